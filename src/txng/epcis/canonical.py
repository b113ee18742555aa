"""Value canonicalisation for the CBV 2.0 Event Hash ID (CBV 2.0 §8.9.2, step 3).

EPC URNs, EPC class / pattern URNs and GS1 Digital Link URIs on any domain become the
constrained canonical DL URI on id.gs1.org; CBV URNs become CBV Web URIs; numbers lose
redundant zeros. The rules mirror the GS1 reference implementation
(github.com/RalphTro/epcis-event-hash-generator, MIT) value for value, because hashes
must agree across repositories; it is re-implemented here with one dispatch per value
and a cache instead of a regex cascade.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

_X: Final = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
)
_Y: Final = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_ITEM13: Final = r"(?:\d{6}\.\d{7}|\d{7}\.\d{6}|\d{8}\.\d{5}|\d{9}\.\d{4}|\d{10}\.\d{3}|\d{11}\.\d{2}|\d{12}\.\d)"
_LOC12: Final = r"(?:\d{6}\.\d{6}|\d{7}\.\d{5}|\d{8}\.\d{4}|\d{9}\.\d{3}|\d{10}\.\d{2}|\d{11}\.\d|\d{12}\.)"
_ASSET12: Final = r"(?:\d{6}\.\d{6}|\d{7}\.\d{5}|\d{8}\.\d{4}|\d{9}\.\d{3}|\d{10}\.\d{2}|\d{11}\.\d|\d{12}\.\.)"


def _var(body: str, total: int) -> str:
    """Company prefix of 6-12 digits, a dot, then `body` chars filling up to total."""
    return "(?:" + "|".join(rf"\d{{{n}}}\.{body}{{1,{total - n}}}" for n in range(6, 13)) + ")"


def _fixed(total: int) -> str:
    return "(?:" + "|".join(rf"\d{{{n}}}\.\d{{{total - n}}}" for n in range(6, 13)) + ")"


def _check_digit(digits: str) -> str:
    # GS1 General Specifications §7.9.1: weights 3,1,3,… from the right.
    backwards = digits[::-1]
    total = 3 * sum(map(int, backwards[::2])) + sum(map(int, backwards[1::2]))
    return str(-total % 10)


def _encode(text: str) -> str:
    # GS1 Digital Link 1.4 Table 7-1 characters that EPC URIs may carry unescaped.
    return (
        text.replace("!", "%21")
        .replace("(", "%28")
        .replace(")", "%29")
        .replace("*", "%2A")
        .replace("+", "%2B")
        .replace(",", "%2C")
        .replace(":", "%3A")
    )


def _gtin(uri: str, start: int, dot: int) -> str:
    company = uri[start:dot]
    item = uri[dot + 1 : dot + 1 + 13 - len(company)]
    raw = item[:1] + company + item[1:]
    return raw + _check_digit(raw)


def _key12(uri: str, start: int, dot: int) -> str:
    company = uri[start:dot]
    raw = company + uri[dot + 1 : dot + 1 + 12 - len(company)]
    return raw + _check_digit(raw)


def _sgln(uri: str, dot: int) -> str:
    extension = uri[30:]
    base = "https://id.gs1.org/414/" + _key12(uri, 16, dot)
    return base if extension == "0" else base + "/254/" + _encode(extension)


def _cpi(uri: str, start: int, dot: int, with_serial: bool) -> str:
    last = uri.rfind(".")
    raw = uri[start:dot] + uri[dot + 1 : last]
    if with_serial:
        return "https://id.gs1.org/8010/" + _encode(raw) + "/8011/" + uri[last + 1 :]
    return "https://id.gs1.org/8010/" + _encode(raw)


_Rule = tuple[re.Pattern[str], Callable[[str, int], str]]
_EPC_RULES: Final[dict[str, _Rule]] = {
    "urn:epc:id:sgtin": (
        re.compile(rf"urn:epc:id:sgtin:{_ITEM13}\.{_X}{{1,20}}"),
        lambda u, d: "https://id.gs1.org/01/" + _gtin(u, 17, d) + "/21/" + _encode(u[32:]),
    ),
    "urn:epc:id:sscc": (
        re.compile(rf"urn:epc:id:sscc:{_fixed(17)}"),
        lambda u, d: "https://id.gs1.org/00/" + (raw := u[d + 1 : d + 2] + u[16:d] + u[d + 2 :]) + _check_digit(raw),
    ),
    "urn:epc:id:sgln": (re.compile(rf"urn:epc:id:sgln:{_LOC12}\.{_X}{{1,20}}"), _sgln),
    "urn:epc:id:grai": (
        re.compile(rf"urn:epc:id:grai:{_ASSET12}\.{_X}{{1,16}}"),
        lambda u, d: (
            "https://id.gs1.org/8003/"
            + (raw := "0" + u[16:d] + u[d + 1 : d + 1 + 12 - len(u[16:d])])
            + _check_digit(raw)
            + _encode(u[30:])
        ),
    ),
    "urn:epc:id:giai": (
        re.compile(rf"urn:epc:id:giai:{_var(_X, 30)}"),
        lambda u, d: "https://id.gs1.org/8004/" + u[16:d] + _encode(u[d + 1 :]),
    ),
    "urn:epc:id:gsrn": (
        re.compile(rf"urn:epc:id:gsrn:{_fixed(17)}"),
        lambda u, d: "https://id.gs1.org/8018/" + (raw := u[16:d] + u[d + 1 :]) + _check_digit(raw),
    ),
    "urn:epc:id:gsrnp": (
        re.compile(rf"urn:epc:id:gsrnp:{_fixed(17)}"),
        lambda u, d: "https://id.gs1.org/8017/" + (raw := u[17:d] + u[d + 1 :]) + _check_digit(raw),
    ),
    "urn:epc:id:gdti": (
        re.compile(rf"urn:epc:id:gdti:{_ASSET12}{_X}{{1,20}}"),
        lambda u, d: "https://id.gs1.org/253/" + _key12(u, 16, d) + _encode(u[30:]),
    ),
    "urn:epc:id:cpi": (re.compile(rf"urn:epc:id:cpi:{_var(_Y, 30)}\.\d{{1,12}}"), lambda u, d: _cpi(u, 15, d, True)),
    "urn:epc:id:sgcn": (
        re.compile(rf"urn:epc:id:sgcn:{_LOC12}\.\d{{1,12}}"),
        lambda u, d: "https://id.gs1.org/255/" + _key12(u, 16, d) + u[30:],
    ),
    "urn:epc:id:ginc": (
        re.compile(rf"urn:epc:id:ginc:{_var(_X, 30)}"),
        lambda u, d: "https://id.gs1.org/401/" + u[16:d] + _encode(u[d + 1 :]),
    ),
    "urn:epc:id:gsin": (
        re.compile(rf"urn:epc:id:gsin:{_fixed(16)}"),
        lambda u, d: "https://id.gs1.org/402/" + (raw := u[16:d] + u[d + 1 :]) + _check_digit(raw),
    ),
    "urn:epc:id:itip": (
        re.compile(rf"urn:epc:id:itip:{_ITEM13}\.\d\d\.\d\d\.{_X}{{1,20}}"),
        lambda u, d: "https://id.gs1.org/8006/" + _gtin(u, 16, d) + u[31:33] + u[34:36] + "/21/" + _encode(u[37:]),
    ),
    "urn:epc:id:upui": (
        re.compile(rf"urn:epc:id:upui:{_ITEM13}\.{_X}{{1,28}}"),
        lambda u, d: "https://id.gs1.org/01/" + _gtin(u, 16, d) + "/235/" + _encode(u[31:]),
    ),
    "urn:epc:id:pgln": (
        re.compile(rf"urn:epc:id:pgln:{_LOC12}"),
        lambda u, d: "https://id.gs1.org/417/" + _key12(u, 16, d),
    ),
    "urn:epc:class:lgtin": (
        re.compile(rf"urn:epc:class:lgtin:{_ITEM13}\.{_X}{{1,20}}"),
        lambda u, d: "https://id.gs1.org/01/" + _gtin(u, 20, d) + "/10/" + _encode(u[35:]),
    ),
    "urn:epc:idpat:sgtin": (
        re.compile(rf"urn:epc:idpat:sgtin:{_ITEM13}\.\*"),
        lambda u, d: "https://id.gs1.org/01/" + _gtin(u, 20, d),
    ),
    "urn:epc:idpat:grai": (
        re.compile(rf"urn:epc:idpat:grai:{_ASSET12}\.\*"),
        lambda u, d: (
            "https://id.gs1.org/8003/"
            + (raw := "0" + u[19:d] + u[d + 1 : d + 1 + 12 - len(u[19:d])])
            + _check_digit(raw)
        ),
    ),
    "urn:epc:idpat:gdti": (
        re.compile(rf"urn:epc:idpat:gdti:{_ASSET12}\.\*"),
        lambda u, d: "https://id.gs1.org/253/" + _key12(u, 19, d),
    ),
    "urn:epc:idpat:sgcn": (
        re.compile(rf"urn:epc:idpat:sgcn:{_ASSET12}\.\*"),
        lambda u, d: "https://id.gs1.org/255/" + _key12(u, 19, d),
    ),
    "urn:epc:idpat:cpi": (re.compile(rf"urn:epc:idpat:cpi:{_var(_Y, 30)}\.\*"), lambda u, d: _cpi(u, 18, d, False)),
    "urn:epc:idpat:itip": (
        re.compile(rf"urn:epc:idpat:itip:{_ITEM13}\.\d\d\.\d\d\.\*"),
        lambda u, d: "https://id.gs1.org/8006/" + _gtin(u, 19, d) + u[34:36] + u[37:39],
    ),
    "urn:epc:idpat:upui": (
        re.compile(rf"urn:epc:idpat:upui:{_ITEM13}\.\*"),
        lambda u, d: "https://id.gs1.org/01/" + _gtin(u, 19, d),
    ),
}

_DL_RE: Final = re.compile(
    r"https?:(//((([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?))?((([^?#]*)(/(01|gtin|8006|itip|8010"
    r"|cpid|414|gln|417|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin"
    r"|8003|grai|8004|giai)/)(\d{4}[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?)|(/[A-Za-z_-]{10}$))"
)
_SHORT_NAMES: Final = (
    ("/gtin/", "/01/"),
    ("/itip/", "/8006/"),
    ("/cpid/", "/8010/"),
    ("/gln/", "/414/"),
    ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"),
    ("/gsrn/", "/8018/"),
    ("/gcn/", "/255/"),
    ("/sscc/", "/00/"),
    ("/gdti/", "/253/"),
    ("/ginc/", "/401/"),
    ("/gsin/", "/402/"),
    ("/grai/", "/8003/"),
    ("/giai/", "/8004/"),
    ("/cpv/", "/22/"),
    ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)
_CANONICAL_RE: Final = re.compile(
    r"https://id.gs1.org/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/(\d{4}"
    r"[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?|(/[A-Za-z_-]{10}$)"
)
_KEY_SEARCH_ORDER: Final = tuple(
    f"/{ai}/"
    for ai in ["00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018"]
)
_C: Final = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_CPV_END_RE: Final = re.compile(rf"https://id.gs1.org/(8006/\d{{18}}|01/\d{{14}})/22/{_C}{{0,20}}$")
_CPV_MID_RE: Final = re.compile(
    r"https://id.gs1.org/(8006/\d{18}|01/\d{14})/22/[\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F"
    r"\x41-\x5A\x5F\x61-\x7A]{0,20}$"
)
_LOT_AND_SERIAL_RE: Final = re.compile(
    rf"https://id.gs1.org/(8006/\d{{18}}|01/(\d{{14}}))/10/({_C}{{0,20}})/21/({_C}{{0,20}})$"
)
_VALID_RE: Final = re.compile(
    "https://id.gs1.org/(?:"
    r"00/\d{18}|01/\d{14}/21/C{0,20}|01/\d{14}/10/C{0,20}|01/\d{14}|01/\d{14}/235/C{0,28}"
    r"|253/\d{13}C{0,17}|255/\d{13}\d{0,12}|401/C{0,30}|402/\d{17}|414/\d{13}"
    r"|414/\d{13}/254/C{0,20}|417/\d{13}|8003/\d{14}C{0,16}|8004/C{0,30}|8006/\d{18}/21/C{0,20}"
    r"|8006/\d{18}/10/C{0,20}|8006/\d{18}|8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}/8011/\d{0,12}"
    r"|8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}|8017/\d{18}|8018/\d{18})$".replace("C", _C)
)


# Cached: capture canonicalises each identifier twice (for the Event Hash ID and for the index
# rows), and lots, locations and parties repeat across the events of a document.
@functools.lru_cache(maxsize=65_536)
def digital_link(uri: str) -> str | None:
    """The constrained canonical GS1 DL URI of a GS1 key URI, or None if it is not one."""
    dot = uri.find(".")
    if dot < 0:
        return None
    if uri.startswith("urn:epc:"):
        rule = _EPC_RULES.get(uri[: uri.find(":", uri.find(":", 8) + 1)])
        if rule is None or rule[0].fullmatch(uri) is None:
            return None
        return rule[1](uri, dot)
    if not uri.startswith("http") or _DL_RE.match(uri) is None:
        return None
    query = uri.find("?")
    if query >= 0:
        uri = uri[:query]
    for short, ai in _SHORT_NAMES:
        if short in uri:
            uri = uri.replace(short, ai)
    if _CANONICAL_RE.match(uri) is None:
        for key in _KEY_SEARCH_ORDER:
            at = uri.find(key)
            if at >= 0:
                uri = "https://id.gs1.org" + uri[at:]
                break
    if uri.startswith("https://id.gs1.org/01/") and not _is_digits(uri, 22, 14):
        if _is_digits(uri, 22, 13):
            uri = uri.replace("/01/", "/01/0")
        elif _is_digits(uri, 22, 12):
            uri = uri.replace("/01/", "/01/00")
        elif _is_digits(uri, 22, 8):
            uri = uri.replace("/01/", "/01/000000")
    if "/22/" in uri:
        rest = uri[uri.find("/22/") + 4 :]
        if _CPV_END_RE.match(uri):
            uri = uri[: uri.find("/22/")] + rest[rest.find("/") : -1]
        if _CPV_MID_RE.match(uri):
            uri = uri[: uri.find("/22/")] + rest[rest.find("/") :]
    if "/10/" in uri and _LOT_AND_SERIAL_RE.match(uri):
        tail = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + tail[tail.find("/") :]
    return uri if _VALID_RE.match(uri) else None


def _is_digits(text: str, start: int, count: int) -> bool:
    chunk = text[start : start + count]
    return len(chunk) == count and chunk.isascii() and chunk.isdigit()


@functools.lru_cache(maxsize=65_536)
def canonical_identifier(uri: str) -> str:
    """The form identifiers are indexed and queried in: canonical GS1 Digital Link for GS1 keys (URN or DL)."""
    return digital_link(uri) or uri
