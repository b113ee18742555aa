"""What tests and benchmarks share: the web server as `make run` starts it; for the browser tests, Debian's
Chromium, how to launch it offline, where screenshots go."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

BIN: Final = Path(sys.executable).parent  # the virtual environment's scripts (txng, granian)
CHROMIUM: Final = Path("/usr/bin/chromium")
# Screenshots and downloads of the browser tests (git-ignored), at the repository root.
ARTIFACTS: Final = Path(__file__).resolve().parents[2] / "test-artifacts"
# axe-core (MPL-2.0), vendored: accessibility checks run in the page, nothing is fetched.
AXE: Final = Path(__file__).resolve().parent / "portal" / "tests" / "vendor" / "axe.min.js"
# Headless, and nothing in the background: this machine (and CI) has no internet to reach.
LAUNCH_ARGS: Final = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


def web_server(port: int, *, workers: int = 1, threads: int = 2) -> list[str]:
    """The command of the web server as `make run` starts it (scripts/serve keeps the same options).

    Granian's WSGI server: its HTTP handling is native code, so a static answer costs half the CPU of
    gunicorn's gthread worker (bench/codes.py, 2 cores: "hello" 5,700 against 3,000 requests/s), and the
    resolver went from 1,240 to 1,480 resolutions/s with the same application code.
    """
    return [
        str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws", "--access-log",
        "txng.wsgi:application",
    ]  # fmt: skip
