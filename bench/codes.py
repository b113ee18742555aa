"""Stamp codes: derive 1,000,000 serials (target ≤ 5 s), draw a PDF of 10,000 labels (target ≤ 60 s), and
the resolver's throughput under load (target ≥ 1,500 resolutions/s on 2 cores, p99 ≤ 50 ms).

Run: `.venv/bin/python bench/codes.py [serials [N]] [labels [N]]` (both by default) and
`.venv/bin/python bench/codes.py resolver [--seconds S] [--connections C]`. The resolver benchmark serves
the project as `make run` does (same web server, same worker settings) on a fresh TXNG_DATA_DIR (or a scratch
PostgreSQL database when TXNG_DATABASE_URL is set), loads it through the `txng` commands, and drives it
from load-generator processes on 127.0.0.1: browser-like GETs of genuine stamps and of codes not in the
system (each one logged as a scan), then the static `/.well-known/txng-hello` as the ceiling.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing
import os
import random
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from _django import ROOT, setup

from txng.testing import web_server

BIN = ROOT / ".venv" / "bin"
BROWSER_HEADERS = (
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: vi-VN,vi;q=0.9,en;q=0.8\r\n"
    "User-Agent: Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36\r\n"
)


def bench_serials(count: int) -> None:
    from txng.codes.serials import MAX_BATCH_SIZE, SERIAL_SCHEME, serials_for

    secret = os.urandom(32)
    started = time.perf_counter()
    derived = 0
    batch_id = 1
    while derived < count:
        size = min(MAX_BATCH_SIZE, count - derived)
        derived += len(serials_for(secret, batch_id, 0, size))
        batch_id += 1
    elapsed = time.perf_counter() - started
    print(f"serials (scheme {SERIAL_SCHEME}): {derived:,} derived in {elapsed:.2f} s ({derived / elapsed:,.0f}/s)")


def bench_labels(count: int) -> None:
    vendor = setup()
    from txng.accounts.principal import OPERATOR
    from txng.codes.labels import LabelLayout, stamp_batch_pdf
    from txng.codes.services import stamp_batch_issue
    from txng.core.demo import demo_gtin, demo_tax_code
    from txng.registry.services import organization_create, product_create

    organization = organization_create(
        actor=OPERATOR, tax_code=demo_tax_code("bench-codes"), name="HTX Bench", approve=True
    )
    product = product_create(
        actor=OPERATOR,
        organization=organization,
        gtin=demo_gtin("893123", 1),
        name="Bưởi Năm Roi túi 2 kg",
        publish=True,
    )
    batch = stamp_batch_issue(actor=OPERATOR, product=product, count=count, lot="L2026", activate=True)
    layout = LabelLayout()
    output = io.BytesIO()
    started = time.perf_counter()
    pages = stamp_batch_pdf(batch, output, layout=layout, base="https://txng.cantho.gov.vn")
    elapsed = time.perf_counter() - started
    print(
        f"labels ({vendor}): {count:,} labels, {pages:,} pages of {layout.per_page} in {elapsed:.2f} s "
        f"({pages / elapsed:,.1f} pages/s, {count / elapsed:,.0f} labels/s), "
        f"{len(output.getvalue()) / 1e6:.1f} MB"
    )


# ------------------------------------------------------------------------------------------- resolver


def _txng(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "txng"), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"txng {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _scratch_database(env: dict[str, str], *, name: str = "resolver", asynchronous_commit: bool = False) -> str:
    """A fresh PostgreSQL database `<name>_bench` for a served benchmark (SQLite needs none)."""
    url = env.get("TXNG_DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "sqlite"
    import psycopg

    base, _, database = url.rpartition("/")
    scratch = f"{database or 'txng'}_{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{scratch}"')
        if asynchronous_commit:  # a diagnostic: how much of a scan is waiting for the WAL flush (fsync)
            connection.execute(f'ALTER DATABASE "{scratch}" SET synchronous_commit = off')
    env["TXNG_DATABASE_URL"] = f"{base}/{scratch}"
    return "postgresql, synchronous_commit=off" if asynchronous_commit else "postgresql"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def _worker(port: int, paths: list[str], connections: int, seconds: float, seed: int, results: object) -> None:
    """Closed-loop HTTP/1.1 keep-alive clients on one selector: send, read the whole answer, send the next."""
    rng = random.Random(seed)
    selector = selectors.DefaultSelector()
    requests = [f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{BROWSER_HEADERS}\r\n".encode() for path in paths]
    started: dict[socket.socket, float] = {}
    received: dict[socket.socket, bytes] = {}

    def send(connection: socket.socket) -> None:
        connection.sendall(rng.choice(requests))
        started[connection], received[connection] = time.perf_counter(), b""

    for _ in range(connections):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        selector.register(connection, selectors.EVENT_READ)
        send(connection)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for key, _events in selector.select(timeout=1):
            connection = key.fileobj
            assert isinstance(connection, socket.socket)
            chunk = connection.recv(65536)
            if not chunk:
                raise SystemExit("the server closed a keep-alive connection")
            buffer = received[connection] = received[connection] + chunk
            head_end = buffer.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            head = buffer[:head_end].lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15 : head.find(b"\r\n", at)]) if at >= 0 else 0
            if len(buffer) < head_end + 4 + length:
                continue
            latencies.append(time.perf_counter() - started[connection])
            status = int(buffer[9:12])
            statuses[status] = statuses.get(status, 0) + 1
            send(connection)
    results.put((latencies, statuses))  # type: ignore[attr-defined]


def _drive(port: int, paths: list[str], *, processes: int, connections: int, seconds: float) -> dict[str, Any]:
    """Keep `connections` keep-alive GETs in flight from `processes` processes for `seconds`: rate, latencies."""
    queue: multiprocessing.Queue[tuple[list[float], dict[int, int]]] = multiprocessing.Queue()
    per_process = max(1, connections // processes)
    workers = [
        multiprocessing.Process(target=_worker, args=(port, paths, per_process, seconds, seed, queue))
        for seed in range(processes)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    outcomes = [queue.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    latencies = sorted(value for found, _ in outcomes for value in found)
    statuses: dict[int, int] = {}
    for _, counts in outcomes:
        for status, count in counts.items():
            statuses[status] = statuses.get(status, 0) + count
    count = len(latencies)
    return {
        "count": count,
        "rate": count / elapsed,
        "p50": latencies[count // 2] * 1000,
        "p95": latencies[min(count - 1, int(count * 0.95))] * 1000,
        "p99": latencies[min(count - 1, int(count * 0.99))] * 1000,
        "statuses": dict(sorted(statuses.items())),
    }


@contextlib.contextmanager
def serving(env: dict[str, str], port: int, *, workers: int) -> Iterator[None]:
    """The web server as `make run` starts it, on `port`, until the block ends."""
    server = subprocess.Popen(
        web_server(port, workers=workers), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                if _get(port, "/.well-known/txng-hello")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def _scan_count(env: dict[str, str]) -> int:
    code = "from txng.resolver.models import Scan; print(Scan.objects.count())"
    return int(_txng(env, "shell", "-v", "0", "-c", code).split()[-1])


def bench_resolver(
    *,
    seconds: float,
    connections: int,
    processes: int,
    workers: int,
    stamps: int,
    unknown_share: float,
    asynchronous_commit: bool,
) -> None:
    data_dir = tempfile.mkdtemp(prefix="txng-resolver-bench-")
    env = {**os.environ, "TXNG_DATA_DIR": data_dir}
    vendor = _scratch_database(env, asynchronous_commit=asynchronous_commit)
    try:
        _txng(env, "migrate", "--noinput", "-v", "0")
        _txng(env, "collectstatic", "--noinput", "-v", "0")
        _txng(env, "demo-data")
        os.environ.update(TXNG_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="txng.settings")
        import django

        django.setup()
        from txng.core.demo import demo_gtin, demo_tax_code

        gtin = _txng(
            env, "product", "create", "--organization", demo_tax_code("hoquangtri"),
            "--gtin", demo_gtin("893999", 7), "--name", "Bưởi Năm Roi túi 2 kg (bench)",
        ).strip()  # fmt: skip
        issued = _txng(env, "stamps", "issue", "--gtin", gtin, "--count", str(stamps), "--lot", "L2026")
        genuine = ["/" + line.split("\t")[0].split("/", 3)[3] for line in issued.splitlines()]
        # Codes not in the system: unregistered GTINs with serials, as a copied or invented label would be.
        unknown_count = round(len(genuine) * unknown_share / (1 - unknown_share)) if unknown_share < 1 else stamps
        unknown = [f"/01/{demo_gtin('893998', item)}/21/X{item:07d}" for item in range(1, unknown_count + 1)]
        mix = (genuine if unknown_share < 1 else []) + unknown
        port = _free_port()
        with serving(env, port, workers=workers):
            status, _body = _get(port, genuine[0])
            assert status == 307, status
            before = _scan_count(env)
            _drive(port, mix, processes=processes, connections=connections, seconds=2)  # warm up
            warmed = _scan_count(env)
            resolutions = _drive(port, mix, processes=processes, connections=connections, seconds=seconds)
            logged = _scan_count(env) - warmed
            hello = _drive(
                port, ["/.well-known/txng-hello"], processes=processes, connections=connections, seconds=seconds
            )
        print(
            f"resolver ({vendor}, {workers} web workers × 2 threads, {connections} connections from "
            f"{processes} processes, {seconds:.0f} s, {1 - unknown_share:.0%} genuine / {unknown_share:.0%} unknown): "
            f"{resolutions['rate']:,.0f} resolutions/s, p50 {resolutions['p50']:.1f} ms, "
            f"p99 {resolutions['p99']:.1f} ms, statuses {resolutions['statuses']}; "
            f"scans logged {logged:,} of {resolutions['count']:,} (+{warmed - before:,} in warm-up)"
        )
        print(
            f"hello (same server, static text): {hello['rate']:,.0f} requests/s, p50 {hello['p50']:.1f} ms, "
            f"p99 {hello['p99']:.1f} ms; resolver/hello = {resolutions['rate'] / hello['rate']:.2f}"  # type: ignore[operator]
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("parts", nargs="*", help="serials [N] labels [N] | resolver (default: serials labels)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", str(os.cpu_count() or 1))))
    parser.add_argument("--stamps", type=int, default=10_000)
    parser.add_argument("--unknown-share", type=float, default=0.2, help="share of codes not in the system")
    parser.add_argument(
        "--asynchronous-commit", action="store_true", help="PostgreSQL only, a diagnostic: commit without fsync"
    )
    options = parser.parse_args()
    parts = options.parts or ["serials", "labels"]
    if parts == ["resolver"]:
        bench_resolver(
            seconds=options.seconds,
            connections=options.connections,
            processes=options.processes,
            workers=options.workers,
            stamps=options.stamps,
            unknown_share=options.unknown_share,
            asynchronous_commit=options.asynchronous_commit,
        )
        return
    counts = {"serials": 1_000_000, "labels": 10_000}
    selected: list[str] = []
    for part in parts:
        if part.isdigit() and selected:
            counts[selected[-1]] = int(part)
        elif part in counts:
            selected.append(part)
        else:
            parser.error(f"unknown part {part!r}")
    if "serials" in selected:
        bench_serials(counts["serials"])
    if "labels" in selected:
        bench_labels(counts["labels"])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
