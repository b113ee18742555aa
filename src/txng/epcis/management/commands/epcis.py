"""`txng epcis import FILE…` and `txng epcis export`: EPCIS documents in and out, through the one capture
service and the same query selector as GET /epcis/events."""

from __future__ import annotations

import dataclasses
import re
import sys
from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs

import orjson
from django.core.management.base import CommandError
from django.db import transaction

from txng.accounts.principal import OPERATOR, Principal
from txng.core.management.base import OperatorCommand
from txng.epcis.document import EPCISDocument, now_iso, output_context, parse_document
from txng.epcis.filters import PER_PAGE_MAX
from txng.epcis.models import CaptureJob
from txng.epcis.selectors import events_query
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.epcis.xml_render import render_xml
from txng.registry.models import Organization

QUERY_NAME = "SimpleEventQuery"
# Events per capture call: big enough to amortise per-call queries, small enough for a lively progress bar.
CHUNK_EVENTS = 1000
# parse_document's own limit guards the API; a file on the operator's disk may hold many more events.
FILE_MAX_EVENTS = 10_000_000
_POINTER_INDEX = re.compile(r"^(/epcisBody/eventList/)(\d+)")
_DETAIL_INDEX = re.compile(r"^event (\d+):")


class Progress:
    """A one-line text progress bar on a terminal; silent when the stream is not a TTY (logs, pipes, CI)."""

    WIDTH = 30

    def __init__(self, stream: IO[str], label: str, total: int | None) -> None:
        self.stream = stream
        self.label = label
        self.total = total
        self.done = 0
        self.is_shown = stream.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        if not self.is_shown:
            return
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} events")
        else:
            self.stream.write(f"\r{self.label} {self.done:,} events")
        self.stream.flush()

    def close(self) -> None:
        if self.is_shown:
            self.stream.write("\n")
            self.stream.flush()


@dataclasses.dataclass
class _Totals:
    files: int = 0
    stored: int = 0
    skipped: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


def _media_type(path: Path, head: bytes) -> str:
    """The media type of an EPCIS file: by extension, else by its first significant byte."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonld"):
        return "application/ld+json"
    if suffix == ".xml":
        return "application/xml"
    return "application/xml" if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" else "application/ld+json"


def _json_chunks(body: bytes) -> Iterator[tuple[int, int | None, bytes]]:
    """A JSON EPCISDocument cut into documents of CHUNK_EVENTS events with the same header and @context.

    Anything that is not a plain EPCISDocument with an event list goes through whole, so that
    parse_document reports what is wrong with it.
    """
    try:
        root = orjson.loads(body)
    except orjson.JSONDecodeError:
        root = None
    events = (root.get("epcisBody") or {}).get("eventList") if isinstance(root, dict) else None
    if not (isinstance(root, dict) and root.get("type") == "EPCISDocument" and isinstance(events, list)):
        yield 0, None, body
        return
    for start in range(0, max(len(events), 1), CHUNK_EVENTS):
        chunk = {**root, "epcisBody": {**root["epcisBody"], "eventList": events[start : start + CHUNK_EVENTS]}}
        yield start, len(events), orjson.dumps(chunk)


def _document_chunks(body: bytes, media_type: str) -> Iterator[tuple[int, int | None, EPCISDocument]]:
    """Parsed pieces of a file, each with the index of its first event and the file's event count."""
    if media_type == "application/xml":
        document = parse_document(body, media_type, max_events=FILE_MAX_EVENTS, validate=False)
        for start in range(0, max(len(document.events), 1), CHUNK_EVENTS):
            chunk = dataclasses.replace(document, events=document.events[start : start + CHUNK_EVENTS])
            yield start, len(document.events), chunk
        return
    for start, total, piece in _json_chunks(body):
        yield start, total, parse_document(piece, media_type, max_events=FILE_MAX_EVENTS, validate=False)


def _shift(problem: dict[str, Any], offset: int) -> dict[str, Any]:
    """A capture error of one chunk, with event indexes counted from the start of the file."""
    if not offset:
        return problem

    def pointer(match: re.Match[str]) -> str:
        return f"{match.group(1)}{int(match.group(2)) + offset}"

    def detail(match: re.Match[str]) -> str:
        return f"event {int(match.group(1)) + offset}:"

    shifted = dict(problem)
    shifted["pointer"] = _POINTER_INDEX.sub(pointer, str(problem.get("pointer") or ""))
    shifted["detail"] = _DETAIL_INDEX.sub(detail, str(problem.get("detail") or ""))
    return shifted


def _describe(problem: dict[str, Any]) -> str:
    where = problem.get("pointer") or ""
    return f"{where}: {problem.get('detail', '')}" if where else str(problem.get("detail", ""))


class _FileFailed(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class Command(OperatorCommand):
    help = (
        "EPCIS 2.0 documents: `import FILE… --organization MST` captures them (JSON, JSON-LD or XML); "
        "`export --organization MST [--query 'EQ_bizStep=shipping&…']` writes an EPCIS query document."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="capture EPCIS documents from files")
        importing.add_argument("files", nargs="+", type=Path, metavar="FILE")
        importing.add_argument("--organization", required=True, help="tax code (MST) of the capturing organization")
        importing.add_argument(
            "--error-behaviour",
            default=CaptureJob.ErrorBehaviour.ROLLBACK,
            choices=CaptureJob.ErrorBehaviour.values,
            help="rollback (default): a file with any invalid event stores nothing; proceed: keep the valid ones",
        )
        exporting = sub.add_parser("export", help="write the events a query selects as an EPCIS query document")
        exporting.add_argument("--organization", required=True, help="tax code (MST): whose view of the events")
        exporting.add_argument("--query", default="", help="SimpleEventQuery parameters as in GET /epcis/events")
        exporting.add_argument("--format", default="json", choices=("json", "xml"))
        exporting.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(tax_code=options["organization"].strip()).first()
        if organization is None:
            raise CommandError(f"No organization with tax code {options['organization']}.")
        if options["action"] == "import":
            self._import(organization, options["files"], options["error_behaviour"])
        else:
            self._export(organization, options["query"], options["format"], options["output"])

    # -- import ------------------------------------------------------------------------------------------

    def _import(self, organization: Organization, files: list[Path], error_behaviour: str) -> None:
        totals = _Totals()
        for path in files:
            totals.files += 1
            try:
                stored, skipped = self._import_file(organization, path, error_behaviour, totals)
            except _FileFailed as failed:
                totals.errors.extend(f"{path}: {reason}" for reason in failed.reasons)
                continue
            totals.stored += stored
            totals.skipped += skipped
        self.stdout.write(
            f"files: {totals.files}, events stored: {totals.stored:,}, "
            f"duplicates skipped: {totals.skipped:,}, errors: {len(totals.errors)}"
        )
        if totals.errors:
            for line in totals.errors[:100]:
                self.stderr.write(line)
            if len(totals.errors) > 100:
                self.stderr.write(f"… and {len(totals.errors) - 100} more errors")
            raise CommandError(f"{len(totals.errors)} error(s); see above.")

    def _import_file(
        self, organization: Organization, path: Path, error_behaviour: str, totals: _Totals
    ) -> tuple[int, int]:
        """Capture one file: all or nothing under rollback; valid events kept and errors reported under proceed."""
        try:
            body = path.read_bytes()
        except OSError as error:
            raise _FileFailed([f"cannot read the file: {error.strerror or error}"]) from None
        media_type = _media_type(path, body[:64])
        progress = Progress(sys.stderr, path.name, None)
        stored = skipped = offset = 0
        try:
            # Under rollback the chunks share one transaction, so a bad event anywhere in the file stores
            # nothing, as one POST /capture of the whole document would (EPCIS 2.0 §8.2.7).
            with transaction.atomic() if error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK else nullcontext():
                for offset, total, document in _document_chunks(body, media_type):
                    progress.total = total
                    result = events_capture(
                        actor=OPERATOR, organization=organization, document=document, error_behaviour=error_behaviour
                    )
                    problems = [_describe(_shift(p, offset)) for p in result.errors]
                    if problems and error_behaviour == CaptureJob.ErrorBehaviour.ROLLBACK:
                        raise _FileFailed(problems)
                    if problems:
                        totals.errors.extend(f"{path}: {line}" for line in problems)
                    stored += result.captured_count
                    skipped += result.skipped_count
                    progress.advance(len(document.events))
        except EPCISValidationError as error:
            reasons = [_describe(_shift({"pointer": p.pointer, "detail": p.detail}, offset)) for p in error.problems]
            raise _FileFailed(reasons or [error.detail]) from None
        finally:
            progress.close()
        return stored, skipped

    # -- export ------------------------------------------------------------------------------------------

    def _export(self, organization: Organization, query: str, format_: str, output: Path | None) -> None:
        principal = Principal(
            label=f"txng epcis export ({organization.tax_code})",
            organization_ids=frozenset({organization.pk}),
            owner_organization_ids=frozenset({organization.pk}),
        )
        params = parse_qs(query, keep_blank_values=True)
        if "nextPageToken" in params or "perPage" in params:
            raise CommandError("--query takes query parameters only; export pages through all results itself.")
        stream: IO[bytes] = output.open("wb") if output is not None else sys.stdout.buffer
        progress = Progress(sys.stderr, "export", None)
        try:
            writer = _json_export if format_ == "json" else _xml_export
            count = writer(principal, params, stream, progress)
        except EPCISValidationError as error:
            raise CommandError(f"the query is not valid: {error.detail}") from None
        finally:
            progress.close()
            if output is not None:
                stream.close()
            else:
                stream.flush()
        self.stderr.write(f"events exported: {count:,}", style_func=str)


def _pages(principal: Principal, params: dict[str, list[str]]) -> Iterator[Any]:
    """Every page of the query, through the selector GET /epcis/events uses (keyset pagination)."""
    token: str | None = None
    while True:
        page_params = {**params, "perPage": [str(PER_PAGE_MAX)]}
        if token:
            page_params["nextPageToken"] = [token]
        page = events_query(principal=principal, params=page_params)
        yield page
        token = page.next_page_token
        if not token:
            return


def _json_export(principal: Principal, params: dict[str, list[str]], stream: IO[bytes], progress: Progress) -> int:
    """Stream an EPCISQueryDocument in JSON-LD, one page at a time.

    The @context goes last: it holds the extension prefixes of every event, known only at the end, and
    member order in a JSON object carries no meaning (RFC 8259 §4), so the document need not be held whole.
    """
    stream.write(b'{"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":')
    stream.write(orjson.dumps(now_iso()))
    stream.write(b',"epcisBody":{"queryResults":{"queryName":' + orjson.dumps(QUERY_NAME))
    stream.write(b',"resultsBody":{"eventList":[')
    namespaces: dict[str, str] = {}
    count = 0
    for page in _pages(principal, params):
        for event in page.events:
            if count:
                stream.write(b",")
            stream.write(orjson.dumps(event))
            count += 1
        namespaces.update(page.namespaces)
        progress.advance(len(page.events))
    stream.write(b']}}},"@context":' + orjson.dumps(output_context(namespaces)) + b"}\n")
    return count


def _xml_export(principal: Principal, params: dict[str, list[str]], stream: IO[bytes], progress: Progress) -> int:
    """Stream an EPCISQueryDocument in XML: a first pass gathers the namespaces the root must declare."""
    namespaces: dict[str, str] = {}
    for page in _pages(principal, params):
        namespaces.update(page.namespaces)
    creation_date = now_iso()
    count = 0
    tail = b""
    for page in _pages(principal, params):
        rendered = render_xml(page.events, namespaces, query_name=QUERY_NAME, creation_date=creation_date)
        if not page.events:
            if not count:
                stream.write(rendered)
            break
        start = rendered.index(b"<EventList>") + len(b"<EventList>")
        end = rendered.rindex(b"</EventList>")
        stream.write(rendered[:end] if not count else rendered[start:end])
        tail = rendered[end:]
        count += len(page.events)
        progress.advance(len(page.events))
    stream.write(tail)
    return count
