"""Shared helpers of the publishing tests: events, capture, and a scripted EPCIS endpoint on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from txng.accounts.principal import OPERATOR
from txng.epcis.document import parse_document
from txng.epcis.services import CaptureResult, events_capture
from txng.registry.models import Organization

CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def event(serial: int, **fields: object) -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:6d6f8f3c-0000-4000-8000-{serial:012d}",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": [f"https://id.gs1.org/01/08934567000014/21/S{serial}"],
        "bizStep": "shipping",
        **fields,
    }


def document(*events: dict[str, object]) -> bytes:
    return orjson.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-07-22T00:00:00Z",
            "epcisBody": {"eventList": list(events)},
        }
    )


def capture(organization: Organization, *events: dict[str, object]) -> CaptureResult:
    parsed = parse_document(document(*events), "application/ld+json", validate=False)
    return events_capture(actor=OPERATOR, organization=organization, document=parsed)


@dataclass
class Received:
    """What the scripted endpoint got: one parsed body per POST, with its headers."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[Message] = field(default_factory=list)  # case-insensitive, as HTTP headers are


# (status, JSON body) for a POST, given the index of the request and its parsed body.
Script = Callable[[int, dict[str, Any]], tuple[int, dict[str, Any]]]


def accept_all(index: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 202, {"captureID": f"job-{index}", "running": False, "success": True, "errors": []}


@contextmanager
def epcis_endpoint(script: Script = accept_all) -> Iterator[tuple[str, Received]]:
    """A tiny EPCIS capture endpoint in a thread; yields its base URL and what it received."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = orjson.loads(self.rfile.read(length))
            received.bodies.append(body)
            received.headers.append(self.headers)
            status, answer = script(len(received.bodies) - 1, body)
            data = orjson.dumps(answer)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/epcis", received
    finally:
        server.shutdown()
        server.server_close()
