from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from txng.gs1.checkdigit import gs1_check_digit
from txng.gs1.digital_link import build_digital_link
from txng.gs1.epc import canonical_epc, digital_link_to_epc_urn, epc_urn_to_digital_link, parse_epc_urn
from txng.gs1.errors import GS1Error

# Examples of the GS1 EPC Tag Data Standard and CBV 2.0, with their element strings.
URN_EXAMPLES = [
    ("urn:epc:id:sgtin:0614141.812345.6789", (("01", "80614141123458"), ("21", "6789"))),
    ("urn:epc:id:sscc:0614141.1234567890", (("00", "106141412345678908"),)),
    ("urn:epc:id:sgln:0614141.12345.400", (("414", "0614141123452"), ("254", "400"))),
    ("urn:epc:id:sgln:0614141.12345.0", (("414", "0614141123452"),)),
    ("urn:epc:id:grai:0614141.12345.400", (("8003", "00614141123452400"),)),
    ("urn:epc:id:giai:0614141.12345400", (("8004", "061414112345400"),)),
    ("urn:epc:id:gsrn:0614141.1234567890", (("8018", "061414112345678902"),)),
    ("urn:epc:id:gsrnp:0614141.1234567890", (("8017", "061414112345678902"),)),
    ("urn:epc:id:gdti:0614141.12345.006847", (("253", "0614141123452006847"),)),
    ("urn:epc:id:cpi:0614141.5PQ7%2FZ43.12345", (("8010", "06141415PQ7/Z43"), ("8011", "12345"))),
    ("urn:epc:id:sgcn:4012345.67890.04711", (("255", "401234567890104711"),)),
    ("urn:epc:id:ginc:0614141.xyz47%2F11", (("401", "0614141xyz47/11"),)),
    ("urn:epc:id:gsin:0614141.123456789", (("402", "06141411234567890"),)),
    ("urn:epc:id:itip:4012345.012345.01.02.987", (("8006", "040123451234560102"), ("21", "987"))),
    (
        "urn:epc:id:upui:1234567.089456.51qIgY)%3C%26Jp3*j7'SDB",
        (("01", "01234567894560"), ("235", "51qIgY)<&Jp3*j7'SDB")),
    ),
    ("urn:epc:id:pgln:1234567.89012", (("417", "1234567890128"),)),
    ("urn:epc:class:lgtin:4012345.012345.998877", (("01", "04012345123456"), ("10", "998877"))),
    ("urn:epc:idpat:sgtin:4012345.012345.*", (("01", "04012345123456"),)),
    ("urn:epc:idpat:grai:4012345.55555.*", (("8003", "04012345555554"),)),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", (("8006", "040123451234560102"),)),
    ("urn:epc:idpat:cpi:0614141.123ABC.*", (("8010", "0614141123ABC"),)),
    ("urn:epc:id:sgtin:0614141.812345.a.b", (("01", "80614141123458"), ("21", "a.b"))),  # dots in serial
    ("urn:epc:id:sgtin:8931234567.891.%2F%3F%25", (("01", "88931234567916"), ("21", "/?%"))),
]


@pytest.mark.parametrize(("urn", "ais"), URN_EXAMPLES)
def test_parse_epc_urn_gives_the_element_strings(urn: str, ais: tuple[tuple[str, str], ...]) -> None:
    assert parse_epc_urn(urn).ais == ais


@pytest.mark.parametrize(("urn", "ais"), URN_EXAMPLES)
def test_urn_to_digital_link_and_back_is_lossless(urn: str, ais: tuple[tuple[str, str], ...]) -> None:
    # given
    prefix_length = len(urn.rsplit(":", 1)[1].split(".", 1)[0])
    # when
    uri = epc_urn_to_digital_link(urn)
    # then
    assert uri == build_digital_link("https://id.gs1.org", ais)
    assert digital_link_to_epc_urn(uri, prefix_length) == urn


def test_urn_levels_and_schemes() -> None:
    sgtin = parse_epc_urn("urn:epc:id:sgtin:0614141.812345.6789")
    lgtin = parse_epc_urn("urn:epc:class:lgtin:4012345.012345.998877")
    assert (sgtin.kind, sgtin.scheme, sgtin.level, sgtin.company_prefix_length) == ("id", "sgtin", "instance", 7)
    assert (lgtin.kind, lgtin.scheme, lgtin.level) == ("class", "lgtin", "class")
    assert sgtin.ai_dict() == {"01": "80614141123458", "21": "6789"}


@pytest.mark.parametrize(
    "urn",
    [
        "urn:epc:id:gid:95100000.12345.400",
        "urn:epc:id:usdod:2S194.12345678901",
        "urn:epc:id:adi:35962.PQ7VZ4.M37GXB92",
        "urn:epc:id:bic:CSQU3054383",
        "urn:epc:id:imovn:9074729",
    ],
)
def test_non_gs1_schemes_parse_without_a_digital_link(urn: str) -> None:
    epc = parse_epc_urn(urn)
    assert epc.ais == ()
    assert epc.to_urn() == urn
    with pytest.raises(GS1Error) as caught:
        epc.to_digital_link()
    assert caught.value.code == "no-epc-equivalent"


@pytest.mark.parametrize(
    ("urn", "code"),
    [
        ("urn:epc:id:sgtin:0614141.81234.6789", "epc-syntax"),  # 12 digits, not 13
        ("urn:epc:id:sgtin:0614141.812345", "epc-syntax"),  # serial missing
        ("urn:epc:id:sgtin:0614141.812345.", "epc-syntax"),  # empty serial
        ("urn:epc:id:sgtin:0614141.812345.a/b", "epc-syntax"),  # '/' must be escaped %2F
        ("urn:epc:id:sgtin:0614141.812345.a%2fb", "epc-syntax"),  # escapes are upper case
        ("urn:epc:id:sgtin:0614141.812345.a%41", "epc-syntax"),  # only the 7 GS3A3 escapes
        ("urn:epc:id:sgtin:0614141.812345." + "9" * 21, "length"),  # serial over 20
        ("urn:epc:id:sgtin:061.4141812345.1", "company-prefix"),  # prefix under 4 digits
        ("urn:epc:id:sgtin:0614141.8123A5.1", "epc-syntax"),
        ("URN:EPC:ID:SGTIN:0614141.812345.6789", "epc-syntax"),
        ("urn:epc:id:sscc:0614141.123456789", "epc-syntax"),
        ("urn:epc:id:grai:0614141.12345.", "epc-syntax"),
        ("urn:epc:id:cpi:0614141.123abc.1", "epc-syntax"),  # CPI references are upper case
        ("urn:epc:id:cpi:0614141.123ABC.0123", "format"),  # serial without leading zero
        ("urn:epc:id:itip:4012345.012345.03.02.987", "format"),  # piece 3 of 2
        ("urn:epc:idpat:sgtin:4012345.012345.1", "epc-syntax"),
        ("urn:epc:idpat:sgtin:*.*.*", "company-prefix"),  # query patterns are not class identifiers
        ("urn:epc:id:foo:1.2", "unsupported-scheme"),
        ("urn:epc:tag:sgtin-96:3.0614141.812345.6789", "unsupported-scheme"),
        ("urn:epc:id:gid:95100000.012345.400", "epc-syntax"),  # no leading zeros
        ("urn:epc:id:gid:268435456.1.1", "epc-syntax"),  # manager number too large
        ("urn:epc:id:bic:CSQU3054384", "epc-syntax"),  # ISO 6346 check digit
        ("urn:epc:id:imovn:9074728", "epc-syntax"),  # IMO check digit
        ("urn:example:sgtin:1", "epc-syntax"),
    ],
)
def test_malformed_urns_are_refused(urn: str, code: str) -> None:
    with pytest.raises(GS1Error) as caught:
        parse_epc_urn(urn)
    assert caught.value.code == code


def test_digital_link_to_urn_needs_a_fitting_prefix_length() -> None:
    uri = "https://id.gs1.org/01/80614141123458/21/6789"
    assert digital_link_to_epc_urn(uri, 7) == "urn:epc:id:sgtin:0614141.812345.6789"
    assert digital_link_to_epc_urn(uri, 12) == "urn:epc:id:sgtin:061414112345.8.6789"
    with pytest.raises(GS1Error) as caught:
        digital_link_to_epc_urn(uri, 13)
    assert caught.value.code == "company-prefix"


@pytest.mark.parametrize(
    ("uri", "urn"),
    [
        ("https://example.com/01/80614141123458/10/LOT/21/6789", "urn:epc:id:sgtin:0614141.812345.6789"),
        ("https://example.com/01/80614141123458/10/LOT", "urn:epc:class:lgtin:0614141.812345.LOT"),
        ("https://example.com/01/80614141123458", "urn:epc:idpat:sgtin:0614141.812345.*"),
        ("https://example.com/8003/00614141123452", "urn:epc:idpat:grai:0614141.12345.*"),
        ("https://example.com/8010/0614141123ABC", "urn:epc:idpat:cpi:0614141.123ABC.*"),
        ("https://example.com/414/0614141123452", "urn:epc:id:sgln:0614141.12345.0"),
    ],
)
def test_digital_link_to_urn_picks_the_scheme(uri: str, urn: str) -> None:
    assert digital_link_to_epc_urn(uri, 7) == urn


@pytest.mark.parametrize(
    "uri",
    [
        "https://id.gs1.org/01/80614141123458/22/CPV",  # class level with CPV: no URN form
        "https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K",  # GMN
        "https://id.gs1.org/8004/0614141ABC/7040/1A2B",  # GIAI with UIC+EXT
    ],
)
def test_digital_links_without_urn_equivalent(uri: str) -> None:
    with pytest.raises(GS1Error) as caught:
        digital_link_to_epc_urn(uri, 7)
    assert caught.value.code == "no-epc-equivalent"
    assert canonical_epc(uri, 7) == uri


def test_canonical_epc_prefers_the_urn_and_falls_back_to_canonical_digital_link() -> None:
    uri = "https://brand.example.vn/p/01/80614141123458/21/6789"
    assert canonical_epc(uri, 7) == "urn:epc:id:sgtin:0614141.812345.6789"
    assert canonical_epc(uri) == "https://id.gs1.org/01/80614141123458/21/6789"
    assert canonical_epc("urn:epc:id:sgtin:0614141.812345.6789") == "urn:epc:id:sgtin:0614141.812345.6789"


serials = st.text(
    alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
    min_size=1,
    max_size=20,
)


@given(
    st.integers(min_value=4, max_value=12),
    st.text(alphabet="0123456789", min_size=13, max_size=13),
    serials,
)
def test_sgtin_round_trips_through_digital_link(prefix_length: int, body: str, serial: str) -> None:
    # given any GTIN-14, company prefix length and CSET 82 serial
    gtin = body + gs1_check_digit(body)
    uri = build_digital_link("https://id.gs1.org", [("01", gtin), ("21", serial)])
    # when
    urn = digital_link_to_epc_urn(uri, prefix_length)
    # then
    assert parse_epc_urn(urn).ais == (("01", gtin), ("21", serial))
    assert epc_urn_to_digital_link(urn) == uri


@given(st.integers(min_value=4, max_value=12), st.text(alphabet="0123456789", min_size=12, max_size=12), serials)
def test_sgln_round_trips_through_digital_link(prefix_length: int, body: str, extension: str) -> None:
    gln = body + gs1_check_digit(body)
    ais = [("414", gln)] if extension == "0" else [("414", gln), ("254", extension)]
    uri = build_digital_link("https://id.gs1.org", ais)
    urn = digital_link_to_epc_urn(uri, prefix_length)
    assert parse_epc_urn(urn).ais == tuple(ais)
    assert epc_urn_to_digital_link(urn) == uri


def test_a_key_checked_once_still_has_each_serial_checked():
    # The second and third URNs share the first's (checked, remembered) GTIN; their serials are new.
    assert parse_epc_urn("urn:epc:id:sgtin:8934567.012345.1").ai_dict()["21"] == "1"
    assert parse_epc_urn("urn:epc:id:sgtin:8934567.012345.A%2F2").ai_dict() == {"01": "08934567123457", "21": "A/2"}
    with pytest.raises(GS1Error):
        parse_epc_urn("urn:epc:id:sgtin:8934567.012345." + "9" * 21)  # a serial of 21 characters: too long
    # A key that failed is not remembered as checked: it fails again, whatever the serial.
    for serial in ("1", "2"):
        with pytest.raises(GS1Error):
            parse_epc_urn(f"urn:epc:id:sgtin:8934567.01234.{serial}")  # 12 digits instead of 13
