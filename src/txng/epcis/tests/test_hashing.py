"""CBV 2.0 Event Hash ID against the GS1 reference vectors (.hashes are authoritative)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from txng.epcis.document import parse_document
from txng.epcis.hashing import canonical_value, event_hash_id, normalise_time, prehash_string
from txng.epcis.tests.conftest import HASH_EQUAL, HASH_EXAMPLES, content_type

VECTORS = sorted(
    path
    for hashes in HASH_EXAMPLES.glob("*.hashes")
    for path in (hashes.with_suffix(".jsonld"), hashes.with_suffix(".xml"))
    if path.exists()
)


def _hashes(path: Path) -> list[str]:
    document = parse_document(path.read_bytes(), content_type(path), validate=False)
    return [
        event_hash_id(event, document.namespaces, ignore_fields=document.hash_ignore_fields)
        for event in document.events
    ]


def test_there_are_39_input_files_with_63_hashes():
    assert len(VECTORS) == 39
    assert sum(len(p.read_text().split()) for p in HASH_EXAMPLES.glob("*.hashes")) == 63


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.name)
def test_reference_vector(path):
    expected = path.with_suffix(".hashes").read_text().split()
    assert _hashes(path) == expected


@pytest.mark.parametrize("path", sorted(HASH_EQUAL.iterdir()), ids=lambda p: p.name)
def test_representations_of_one_event_hash_equally(path):
    hashes = _hashes(path)
    assert len(hashes) >= 2
    assert len(set(hashes)) == 1


def test_prehash_of_reference_example():
    path = HASH_EXAMPLES / "ReferenceEventHashAlgorithm.jsonld"
    document = parse_document(path.read_bytes(), content_type(path), validate=False)
    expected = path.with_suffix(".prehashes").read_text().splitlines()[0]
    assert prehash_string(document.events[0], document.namespaces) == expected


def test_hashing_does_not_change_the_event():
    path = HASH_EXAMPLES / "epcisDocWithVariousEventTypes.jsonld"
    document = parse_document(path.read_bytes(), content_type(path), validate=False)
    before = copy.deepcopy(document.events)
    for event in document.events:
        event_hash_id(event, document.namespaces)
    assert document.events == before


def test_record_time_event_id_and_error_declaration_are_not_hashed():
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [],
    }
    marked = {
        **event,
        "recordTime": "2026-07-23T00:00:00Z",
        "eventID": "urn:uuid:1",
        "errorDeclaration": {"declarationTime": "2026-07-24T00:00:00Z"},
    }
    assert event_hash_id(marked, {}) == event_hash_id(event, {})


def test_ignore_fields_leave_extensions_out():
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "ex:captureID": "42",
    }
    plain = {k: v for k, v in event.items() if k != "ex:captureID"}
    namespaces = {"ex": "https://ex.example/"}
    assert event_hash_id(event, namespaces, ignore_fields={"ex:captureID"}) == event_hash_id(plain, namespaces)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-03-04T11:00:30+01:00", "2020-03-04T10:00:30.000Z"),
        ("2020-03-04T10:00:30.1234567Z", "2020-03-04T10:00:30.123Z"),
        ("2019-12-31T23:59:59.9996-00:30", "2020-01-01T00:30:00.000Z"),
        ("2020-03-04T10:00:30.0005Z", "2020-03-04T10:00:30.000Z"),  # half to even
    ],
)
def test_timestamps_become_utc_milliseconds(text, expected):
    assert normalise_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
        ("urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338"),
        ("urn:epc:id:sgln:4012345.00001.0", "https://id.gs1.org/414/4012345000016"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
        ("https://example.com/gtin/4012345123456/lot/1/ser/2?x=1", "https://id.gs1.org/01/04012345123456/21/2"),
        ("urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"),
        ("26.500", "26.5"),
        ("+10.0", "10"),
        ("VN-CT-027", "VN-CT-027"),
    ],
)
def test_values_are_canonicalised(text, expected):
    assert canonical_value(text) == expected


# The fast path (plain standard fields printed straight from the event) must print what the tree pass
# prints, for every event it takes; every other event must take the tree pass.
def _tree_prehash(event, namespaces):
    from txng.epcis._prehash import serialise_event
    from txng.epcis.hashing import _TreeBuilder

    return serialise_event(str(event["type"]), _TreeBuilder(namespaces, ()).event(event))


def test_the_fast_path_prints_what_the_tree_pass_prints_for_every_reference_event():
    from txng.epcis.hashing import _fast_prehash
    from txng.epcis.tests.conftest import EXAMPLES

    taken = 0
    paths = [*VECTORS, *sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".jsonld", ".xml"))]
    for path in paths:
        try:
            document = parse_document(path.read_bytes(), content_type(path), validate=False)
        except ValueError:  # an invalid example (EPCISValidationError, XML errors): nothing to hash
            continue
        for event in document.events:
            if "eventTime" not in event or "type" not in event:
                continue
            fast = _fast_prehash(event, document.namespaces)
            if fast is not None:
                taken += 1
                assert fast == _tree_prehash(event, document.namespaces), path.name
    assert taken >= 50  # the test compares something


_EPC = st.sampled_from(
    [
        "urn:epc:id:sgtin:8934567.000123.7",
        "urn:epc:id:sgtin:8934567.000123.10",
        " https://id.gs1.org/01/08934567001230/21/7 ",
        "urn:epc:id:sscc:8934567.0000000001",
        "https://example.com/things/1",
        "",
        "urn:epc:class:lgtin:8934567.000123.L1",
    ]
)
_QUANTITY = st.fixed_dictionaries(
    {},
    optional={
        "epcClass": st.sampled_from(
            ["urn:epc:class:lgtin:8934567.000123.L1", "https://id.gs1.org/01/08934567001230", ""]
        ),
        "quantity": st.one_of(
            st.integers(-5, 5), st.floats(allow_nan=False, width=32), st.sampled_from(["2.50", True])
        ),
        "uom": st.sampled_from(["KGM", "", " LTR "]),
    },
)
_VALUES = {
    "eventTime": st.sampled_from(["2026-07-22T06:45:00.123+07:00", "2026-07-22T06:45Z", " 2026-01-01T00:00:00Z", ""]),
    "eventTimeZoneOffset": st.sampled_from(["+07:00", "-00:30", ""]),
    "parentID": _EPC,
    "epcList": st.lists(_EPC, max_size=4),
    "childEPCs": st.lists(_EPC, max_size=3),
    "inputEPCList": st.lists(_EPC, max_size=2),
    "outputEPCList": st.lists(_EPC, max_size=2),
    "quantityList": st.lists(_QUANTITY, max_size=3),
    "childQuantityList": st.lists(_QUANTITY, max_size=2),
    "inputQuantityList": st.lists(_QUANTITY, max_size=2),
    "outputQuantityList": st.lists(_QUANTITY, max_size=2),
    "action": st.sampled_from(["ADD", "OBSERVE", "DELETE"]),
    "transformationID": st.sampled_from(["urn:epc:id:gdti:8934567.00001.7", "x:y"]),
    "bizStep": st.sampled_from(["shipping", "urn:epcglobal:cbv:bizstep:receiving", "https://example.com/steps/dry"]),
    "disposition": st.sampled_from(["in_transit", "active", "https://example.com/disp/x"]),
    "readPoint": st.one_of(
        st.fixed_dictionaries(
            {"id": st.sampled_from(["urn:epc:id:sgln:8934567.00001.0", "urn:epc:id:sgln:8934567.00001.7", " "])}
        ),
        st.just({"id": "urn:epc:id:sgln:8934567.00001.0", "ex:note": "extension inside"}),
    ),
    "bizLocation": st.fixed_dictionaries(
        {"id": st.sampled_from(["urn:epc:id:sgln:8934567.00002.0", "https://id.gs1.org/414/8934567000021"])}
    ),
    "ilmd": st.just({"cbvmda:bestBeforeDate": "2027-06-30", "ex:grade": {"#text": "A", "@ex:scale": "1-5"}}),
    "bizTransactionList": st.just([{"type": "po", "bizTransaction": "urn:epc:id:gdti:8934567.00001.1"}]),
    "sourceList": st.just([{"type": "owning_party", "source": "urn:epc:id:pgln:8934567.00001"}]),
    "destinationList": st.just([{"type": "location", "destination": "urn:epc:id:sgln:8934567.00002.0"}]),
    "ex:temperature": st.sampled_from(["3.50", {"ex:min": "1", "ex:max": "4"}, ["2", "1"]]),
    "certificationInfo": st.just("https://example.com/certificates/1"),
    "persistentDisposition": st.just({"set": ["completeness_verified"]}),
    "eventID": st.just("ni:///sha-256;abc?ver=CBV2.0"),
    "recordTime": st.just("2026-07-22T06:45:00.000Z"),
}


@given(
    event_type=st.sampled_from(["ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent"]),
    fields=st.lists(st.sampled_from(sorted(_VALUES)), unique=True, max_size=12).flatmap(
        lambda names: st.fixed_dictionaries({name: _VALUES[name] for name in names})
    ),
)
@settings(max_examples=400, deadline=None)
def test_the_fast_path_prints_what_the_tree_pass_prints(event_type, fields):
    from txng.epcis.hashing import _fast_prehash

    event = {"type": event_type, "eventTime": "2026-07-22T06:45:00.000+07:00", **fields}
    namespaces = {"ex": "https://example.com/ns/"}
    fast = _fast_prehash(event, namespaces)
    tree = _tree_prehash(event, namespaces)
    if fast is not None:
        assert fast == tree
    else:  # only what the fast path does not know sends an event to the tree pass
        assert {"certificationInfo", "persistentDisposition"} & event.keys() or "ex:note" in event.get("readPoint", {})
    assert prehash_string(event, namespaces) == tree


_DIGIT = st.sampled_from("0123456789")


@given(
    year=st.integers(1, 9999),
    rest=st.lists(_DIGIT, min_size=10, max_size=10).map("".join),
    fraction=st.sampled_from(["", ".", ".5", ".123", ".1235", ".123456", ",123"]),
    zone=st.sampled_from(["Z", "z", "+07:00", "-03:30", "+0700", "+14:00", "-12:59", "", "+07"]),
    separator=st.sampled_from(["T", "T", "T", " "]),
)
@settings(max_examples=600, deadline=None)
def test_the_fast_time_parse_agrees_with_the_general_one(year, rest, fraction, zone, separator):
    from txng.epcis.hashing import _normalise_time

    text = f"{year:04d}-{rest[0:2]}-{rest[2:4]}{separator}{rest[4:6]}:{rest[6:8]}:{rest[8:10]}{fraction}{zone}"
    assert normalise_time(text) == _normalise_time(text)


@pytest.mark.parametrize(
    "text",
    ["2026-07-22T06:45:00.123+07:00", "2026-07-22T06:45:00Z", "2026-07-22T06:45:00.999Z", "0001-01-01T00:30:00+01:00",
     "9999-12-31T23:59:59.999-12:00", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00.000+00:00"],
)  # fmt: skip
def test_the_fast_time_parse_agrees_on_edges(text):
    from txng.epcis.hashing import _normalise_time

    assert normalise_time(text) == _normalise_time(text)
