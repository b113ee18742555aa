from __future__ import annotations

import re
from pathlib import Path

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[str, str, bool]]:
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        # Vietnamese has one plural form, so msgstr[0] follows the plural msgid (with its count placeholder).
        source = block.split("msgstr")[0]
        source = source.split("msgid_plural", 1)[1] if "msgid_plural" in source else source.split("msgid", 1)[-1]
        msgid = "".join(re.findall(r'"(.*)"', source)) if "msgid" in block else ""
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[-1])) if "msgstr" in block else ""
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_message_has_a_vietnamese_translation() -> None:
    entries = _entries(PO_FILE.read_text(encoding="utf-8"))
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert len(entries) > 100
    assert missing == []


def test_translations_keep_their_placeholders() -> None:
    for msgid, msgstr, _ in _entries(PO_FILE.read_text(encoding="utf-8")):
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr)), msgid
