"""What the browser tests share: Debian's Chromium, how to launch it offline, where screenshots go."""

from __future__ import annotations

from pathlib import Path
from typing import Final

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
