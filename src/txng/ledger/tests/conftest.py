"""Ledger test setup: a signing key per test, and events captured through the real capture service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from txng.epcis.models import Event
from txng.ledger.services import LeafInput
from txng.lineage.tests.chains import Business, harvest, lot_id

ORIGIN = "txng.test/ledger"


@pytest.fixture(autouse=True)
def _ledger_key(settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_KEY_FILE = tmp_path / "ledger_key"
    settings.LEDGER_ORIGIN = ORIGIN


def capture_events(count: int, name: str = "HTX Lúa Cờ Đỏ") -> list[Event]:
    """Capture `count` harvest events through `events_capture`; returns them in capture order."""
    business = Business(name)
    farm = business.facility()
    gtin = business.product("Gạo ST25")
    pks = business.capture(*(harvest(farm, lot_id(gtin, f"L{n:04d}"), 100 + n, 1 + n % 28) for n in range(count)))
    return list(Event.objects.filter(pk__in=pks).order_by("pk"))


def event_leaves(events: list[Event]) -> list[LeafInput]:
    """The leaves the publishing hook submits for these events."""
    return [LeafInput(kind="event", reference=e.event_id, value=e.event_hash, source_id=e.pk) for e in events]


@pytest.fixture(autouse=True)
def _english_pages(client: Any, settings: Any) -> None:
    """Page tests read the English text (the Vietnamese is checked by core/tests/test_i18n.py)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
