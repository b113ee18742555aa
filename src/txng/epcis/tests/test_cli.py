"""`txng epcis import` and `txng epcis export`: round trip, all-or-nothing files, errors, progress."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from txng.epcis.document import parse_document
from txng.epcis.management.commands.epcis import CHUNK_EVENTS, Progress
from txng.epcis.models import CaptureJob, Event
from txng.epcis.tests.conftest import EXAMPLES
from txng.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
JSON_EXAMPLES = sorted((EXAMPLES / "json" / "capture" / "documents").glob("*.json"))


def event(number: int, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping" if number % 2 else "receiving",
        "epcList": [f"urn:epc:id:sgtin:8934567.012345.{number}"],
    }
    base.update(fields)
    return base


def write_document(path: Path, events: list[dict[str, object]]) -> Path:
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    path.write_bytes(orjson.dumps(body))
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("epcis", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def organization():
    return OrganizationFactory()


def test_examples_round_trip_through_import_and_json_export(organization, tmp_path):
    # given
    sent = sum(len(parse_document(p.read_bytes(), "application/ld+json").events) for p in JSON_EXAMPLES)
    out, _ = run("import", *map(str, JSON_EXAMPLES), "--organization", organization.tax_code)
    stored = set(Event.objects.filter(organization=organization).values_list("event_id", flat=True))
    # when
    run("export", "--organization", organization.tax_code, "--output", str(tmp_path / "out.json"))
    # then
    exported = parse_document((tmp_path / "out.json").read_bytes(), "application/ld+json", max_events=10**6)
    assert out.strip() == (
        f"files: {len(JSON_EXAMPLES)}, events stored: {len(stored)}, "
        f"duplicates skipped: {sent - len(stored)}, errors: 0"
    )
    assert [e["eventID"] for e in exported.events] == list(
        Event.objects.filter(organization=organization).order_by("pk").values_list("event_id", flat=True)
    )
    assert {e["eventID"] for e in exported.events} == stored


def test_xml_export_holds_the_same_events_as_json(organization, tmp_path):
    run("import", *map(str, JSON_EXAMPLES), "--organization", organization.tax_code)
    run("export", "--organization", organization.tax_code, "--format", "xml", "--output", str(tmp_path / "out.xml"))
    exported = parse_document((tmp_path / "out.xml").read_bytes(), "application/xml", max_events=10**6)
    assert {e["eventID"] for e in exported.events} == set(Event.objects.values_list("event_id", flat=True))


def test_export_applies_the_query(organization, tmp_path):
    write_document(tmp_path / "d.json", [event(n) for n in range(10)])
    run("import", str(tmp_path / "d.json"), "--organization", organization.tax_code)
    query = "EQ_bizStep=shipping&MATCH_epc=urn:epc:id:sgtin:8934567.012345.3|urn:epc:id:sgtin:8934567.012345.4"
    run("export", "--organization", organization.tax_code, "--query", query, "--output", str(tmp_path / "out.json"))
    exported = parse_document((tmp_path / "out.json").read_bytes(), "application/ld+json")
    assert [e["epcList"] for e in exported.events] == [["urn:epc:id:sgtin:8934567.012345.3"]]


def test_export_pages_through_more_than_one_selector_page(organization, tmp_path):
    write_document(tmp_path / "d.json", [event(n) for n in range(1001)])
    run("import", str(tmp_path / "d.json"), "--organization", organization.tax_code)
    _, err = run("export", "--organization", organization.tax_code, "--output", str(tmp_path / "out.json"))
    assert len(parse_document((tmp_path / "out.json").read_bytes(), "application/ld+json").events) == 1001
    assert err.strip() == "events exported: 1,001"


def test_importing_twice_stores_once(organization, tmp_path):
    path = write_document(tmp_path / "d.json", [event(n) for n in range(3)])
    run("import", str(path), "--organization", organization.tax_code)
    out, _ = run("import", str(path), "--organization", organization.tax_code)
    assert out.strip() == "files: 1, events stored: 0, duplicates skipped: 3, errors: 0"
    assert Event.objects.count() == 3


def test_xml_file_without_extension_is_sniffed(organization, tmp_path):
    source = EXAMPLES / "xml" / "capture" / "documents" / "ObjectEvent.xml"
    (tmp_path / "object-event").write_bytes(source.read_bytes())
    out, _ = run("import", str(tmp_path / "object-event"), "--organization", organization.tax_code)
    assert Event.objects.count() == len(parse_document(source.read_bytes(), "application/xml").events)
    assert out.startswith(f"files: 1, events stored: {Event.objects.count()},")


def test_bad_file_fails_naming_file_and_event_and_stores_nothing(organization, tmp_path):
    # given: an invalid event in the second chunk, after a whole valid chunk
    events = [event(n) for n in range(CHUNK_EVENTS + 5)]
    events[CHUNK_EVENTS + 2]["action"] = "JUMP"
    path = write_document(tmp_path / "bad.json", events)
    err = io.StringIO()
    # when
    with pytest.raises(CommandError, match="1 error") as raised:
        call_command("epcis", "import", str(path), "--organization", organization.tax_code, stderr=err)
    # then
    assert raised.value.returncode == 1
    assert f"bad.json: /epcisBody/eventList/{CHUNK_EVENTS + 2}/action" in err.getvalue()
    assert Event.objects.count() == 0
    assert CaptureJob.objects.count() == 0


def test_good_files_are_kept_when_another_file_fails(organization, tmp_path):
    good = write_document(tmp_path / "good.json", [event(1)])
    (tmp_path / "broken.json").write_bytes(b"{not json")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("epcis", "import", str(good), str(tmp_path / "broken.json"), "--organization",
                     organization.tax_code, stderr=err)  # fmt: skip
    assert "broken.json: " in err.getvalue()
    assert "not valid JSON" in err.getvalue()
    assert Event.objects.count() == 1


def test_proceed_keeps_valid_events_and_still_fails(organization, tmp_path):
    path = write_document(tmp_path / "d.json", [event(1), event(2, action="JUMP"), event(3)])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("epcis", "import", str(path), "--organization", organization.tax_code,
                     "--error-behaviour", "proceed", stdout=out, stderr=io.StringIO())  # fmt: skip
    assert out.getvalue().strip() == "files: 1, events stored: 2, duplicates skipped: 0, errors: 1"
    assert Event.objects.count() == 2


def test_missing_file_is_an_error(organization, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("epcis", "import", str(tmp_path / "nope.json"), "--organization", organization.tax_code,
                     stderr=err)  # fmt: skip
    assert "nope.json: cannot read the file" in err.getvalue()


def test_unknown_organization_is_an_error_and_stores_nothing(tmp_path):
    path = write_document(tmp_path / "d.json", [event(1)])
    with pytest.raises(CommandError, match="No organization with tax code 0000000000"):
        run("import", str(path), "--organization", "0000000000")
    with pytest.raises(CommandError, match="No organization with tax code 0000000000"):
        run("export", "--organization", "0000000000")
    assert Event.objects.count() == 0


def test_export_rejects_an_invalid_query(organization):
    with pytest.raises(CommandError, match="unknown or unsupported query parameter"):
        run("export", "--organization", organization.tax_code, "--query", "EQ_colour=red")


def test_export_sees_only_what_the_organization_may_see(organization, tmp_path):
    other = OrganizationFactory()
    run("import", str(write_document(tmp_path / "d.json", [event(1)])), "--organization", other.tax_code)
    run("export", "--organization", organization.tax_code, "--output", str(tmp_path / "out.json"))
    assert parse_document((tmp_path / "out.json").read_bytes(), "application/ld+json").events == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only():
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream, "d.json", 4)
        progress.advance(2)
        progress.close()
    assert terminal.getvalue() == "\rd.json [###############...............] 2/4 events\n"
    assert pipe.getvalue() == ""
