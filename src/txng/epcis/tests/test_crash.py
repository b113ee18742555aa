"""Crash test: SIGKILL a real server (as `make run` starts it) in the middle of a large capture, restart it, retry.

The server runs in its own process group with its own data directory (SQLite) or a scratch PostgreSQL
database (when TXNG_DATABASE_URL is set), so this test touches neither the test database nor `var/`.
Select it alone with `pytest src/txng/epcis/tests/test_crash.py`; it takes about half a minute.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from txng.testing import web_server

EVENTS = 10_000
BIN = Path(sys.executable).parent
TAX_CODE = "1800000018"
CONTEXT = ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]


def capture_document() -> bytes:
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": f"2026-07-22T06:{n // 600 % 60:02d}:{n // 10 % 60:02d}.{n % 10}00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "readPoint": {"id": "urn:epc:id:sgln:8934567.00001.0"},
            "epcList": [f"urn:epc:id:sgtin:8934567.012345.{n}"],
        }
        for n in range(EVENTS)
    ]
    body = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": events}}
    return orjson.dumps(body)


class Store:
    """Reads the server's database directly, outside any server process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.url = env.get("TXNG_DATABASE_URL", "")
        self.path = Path(env["TXNG_DATA_DIR"]) / "txng.sqlite3"

    def scalar(self, sql: str) -> Any:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                row = conn.execute(sql).fetchone()
        else:
            with sqlite3.connect(self.path, timeout=20) as conn:
                row = conn.execute(sql).fetchone()
        return row[0] if row else None

    def event_count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM epcis_event"))

    def running_jobs(self) -> int:
        return int(self.scalar("SELECT count(*) FROM epcis_capturejob WHERE status = 'running'"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def txng(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "txng"), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            web_server(self.port),
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = self.request("GET", "/epcis/events?perPage=1", {})
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200:
                return
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        # The whole group: the server's main process and its worker, as a power cut or the OOM killer would.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.kill()

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "TXNG_DATA_DIR": str(tmp_path), "TXNG_SECRET_KEY": "crash-test", "TXNG_DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = os.environ.get("TXNG_DATABASE_URL", "")
    if not url:
        yield env
        return
    import psycopg

    base, _, _ = url.rpartition("/")
    name = f"txng_crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "TXNG_DATABASE_URL": f"{base}/{name}"}
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sigkill_mid_capture_stores_all_or_nothing_and_retry_stores_once(server_env: dict[str, str]) -> None:
    # given: a migrated server, an organization and its token
    txng(server_env, "migrate", "--noinput", "-v", "0")
    txng(server_env, "org", "create", "--tax-code", TAX_CODE, "--name", "HTX Thử sập nguồn")
    token = txng(server_env, "token", "create", "--organization", TAX_CODE).strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    body = capture_document()
    store = Store(server_env)
    server = Server(server_env, free_port())
    server.start()
    try:
        # when: the server is killed while it stores the document (its capture job exists, not finished)
        outcome: list[object] = []
        sender = threading.Thread(
            target=lambda: outcome.append(_attempt(server, headers, body)), daemon=True, name="capture-client"
        )
        sender.start()
        deadline = time.monotonic() + 60
        while store.running_jobs() == 0:
            assert time.monotonic() < deadline, "the capture never started"
            assert sender.is_alive(), f"the capture finished before the kill: {outcome}"
            time.sleep(0.005)
        time.sleep(0.2)
        server.kill()
        sender.join(timeout=30)
        server.start()
        # then: all or nothing of it is stored
        assert store.event_count() in (0, EVENTS)
        assert len(outcome) == 1
        assert isinstance(outcome[0], OSError)  # the client saw the connection die

        # when: the client retries, twice
        first_retry = server.request("POST", "/epcis/capture", headers, body)
        second_retry = server.request("POST", "/epcis/capture", headers, body)
        # then: stored exactly once
        assert [first_retry[0], second_retry[0]] == [202, 202]
        assert orjson.loads(first_retry[1])["success"] is True
        assert orjson.loads(second_retry[1])["success"] is True
        assert store.event_count() == EVENTS
        assert store.scalar("SELECT count(DISTINCT event_hash) FROM epcis_event") == EVENTS
    finally:
        server.stop()


def _attempt(server: Server, headers: dict[str, str], body: bytes) -> object:
    try:
        return server.request("POST", "/epcis/capture", headers, body)
    except OSError as error:
        return error
