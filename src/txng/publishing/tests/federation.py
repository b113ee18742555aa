"""Two real OpenTXNG servers on 127.0.0.1 (a city node and a hub) and a fault-injecting proxy between them.

Used by the end-to-end federation test and by bench/outbox.py. Each node is a web server (as
`make run` serves) with its own TXNG_DATA_DIR (SQLite) or its own PostgreSQL database when the calling
process has TXNG_DATABASE_URL; the city's outbox worker is a `txng publishing push` process.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

from txng.testing import web_server

BIN = Path(sys.executable).parent
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
# Fast retries, a short lease and small batches, so that every scenario plays out in seconds.
WORKER_ENVIRONMENT = {
    "TXNG_ALLOW_HTTP_WEBHOOKS": "1",
    "TXNG_PUBLISHING_RETRY_BASE_SECONDS": "0.2",
    "TXNG_PUBLISHING_RETRY_MAX_SECONDS": "1",
    "TXNG_PUBLISHING_LEASE_SECONDS": "3",
    "TXNG_PUBLISHING_BATCH": "5",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Node:
    """One OpenTXNG instance: a database, a web server, and `txng` commands run against it."""

    def __init__(self, name: str, root: Path, database_url: str = "", extra_env: dict[str, str] | None = None) -> None:
        self.name = name
        self.data_dir = root / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.env = {
            key: value for key, value in os.environ.items() if not key.startswith(("TXNG_", "DJANGO_", "PYTEST"))
        }
        self.env.update({"TXNG_DATA_DIR": str(self.data_dir), **(extra_env or {})})
        if database_url:
            self.env["TXNG_DATABASE_URL"] = database_url
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def txng(self, *args: str) -> str:
        result = subprocess.run(
            [str(BIN / "txng"), *args], env=self.env, capture_output=True, text=True, check=False, timeout=120
        )
        if result.returncode != 0:
            raise AssertionError(f"{self.name}: txng {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start(self, *, workers: int = 1) -> None:
        log = (self.data_dir / "server.log").open("ab")
        self.server = subprocess.Popen(
            web_server(self.port, workers=workers, threads=4),
            env=self.env, stdout=log, stderr=log,
        )  # fmt: skip
        wait_for(self._is_up, seconds=30, what=f"the {self.name} server")

    def _is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/.well-known/txng-hello", timeout=2) as response:  # noqa: S310
                return int(response.status) == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Read this node's database directly (read-only on SQLite)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as connection:
                return list(connection.execute(sql).fetchall())  # type: ignore[arg-type]
        path = self.data_dir / "txng.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as connection:
            return list(connection.execute(sql).fetchall())

    def capture(self, token: str, events: list[dict[str, Any]]) -> None:
        body = orjson.dumps(
            {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
        )
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.url}/epcis/capture",
            data=body,
            method="POST",
            headers={"Content-Type": "application/ld+json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            job = orjson.loads(response.read())
        if not job.get("success"):
            raise AssertionError(f"capture at {self.name} failed: {job}")


def node_pair(root: Path) -> tuple[Node, Node]:
    """A migrated city node and hub: migrate once, then copy the database (file, or PostgreSQL template)."""
    url = os.environ.get("TXNG_DATABASE_URL", "")
    urls = {"city": "", "hub": ""}
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        name = name or "txng"
        urls = {node: f"{base}/{name}_federation_{node}" for node in urls}
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            for node in urls:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}_federation_{node}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}_federation_city"')
    city = Node("city", root, urls["city"], WORKER_ENVIRONMENT)
    city.txng("migrate", "--noinput", "-v", "0")
    hub = Node("hub", root, urls["hub"])
    if urls["hub"]:
        import psycopg

        base, _, hub_name = urls["hub"].rpartition("/")
        city_name = urls["city"].rpartition("/")[2]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{hub_name}" TEMPLATE "{city_name}"')
    else:
        shutil.copyfile(city.data_dir / "txng.sqlite3", hub.data_dir / "txng.sqlite3")
    return city, hub


def drop_databases(*nodes: Node) -> None:
    for node in nodes:
        if node.database_url:
            import psycopg

            base, _, name = node.database_url.rpartition("/")
            with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Worker:
    """The city's `txng publishing push` loop as a process that can be killed."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.node.data_dir / "worker.log").open("ab")
        # Two requests in flight: concurrent pushers must not deliver anything twice either.
        command = [str(BIN / "txng"), "publishing", "push", "--interval", "0.2", "--concurrency", "2"]
        self.process = subprocess.Popen(command, env=self.node.env, stdout=log, stderr=log)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no chance to record what it was doing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


class FaultProxy:
    """An HTTP proxy to the hub: passes through, answers 500, holds the answer, or drops the connection
    when the hub is down (as a stopped server looks to a client)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.errors_sent = 0
        self.forwarded: list[list[str]] = []  # eventIDs of each document the hub received through us
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.mode == "error" and self.command == "POST":
                    with proxy.lock:
                        proxy.errors_sent += 1
                    self._answer(500, {}, b'{"title":"injected fault"}')
                    return
                try:
                    upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    upstream.close()
                except OSError:
                    self.close_connection = True  # the hub is down: the client sees a dropped connection
                    return
                if body and self.command == "POST":
                    events = orjson.loads(body).get("epcisBody", {}).get("eventList", [])
                    with proxy.lock:
                        proxy.forwarded.append([e["eventID"] for e in events])
                if proxy.mode == "hold" and self.command == "POST":
                    proxy.held.set()
                    proxy.release.wait(timeout=30)
                pass_on = {"Content-Type", "Location", "GS1-EPCIS-Version"}
                self._answer(answer.status, {k: v for k, v in answer.getheaders() if k in pass_on}, data)

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True  # the client is gone (killed mid-push)

            do_GET = do_POST = _relay  # noqa: N815 (http.server's naming)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def epcis_event(serial: int) -> dict[str, Any]:
    """A realistic shipping event with a fixed eventID, so that the test knows what the hub must hold."""
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:0f3c9a4e-1d2b-4c5d-8e6f-{serial:012d}",
        "eventTime": "2026-07-22T06:45:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [f"https://id.gs1.org/01/08930001000019/21/F{serial:06d}"],
        "bizLocation": {"id": "https://id.gs1.org/414/8930001000009"},
    }
