"""Locate the shared GS1 reference data (../shared/gs1) used as test vectors."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any


@cache
def shared_dir() -> Path | None:
    """TXNG_SHARED_DIR, else the first `shared/` next to an ancestor of this file (/work/shared)."""
    configured = os.environ.get("TXNG_SHARED_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "gs1").is_dir():
            return parent / "shared"
    return None


@cache
def dl_vectors() -> dict[str, Any]:
    """The Digital Link test vectors file, or an empty dict when the shared data is absent."""
    base = shared_dir()
    path = base / "gs1" / "digital-link" / "dl-uri-test-vectors.json" if base else None
    if path is None or not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data
