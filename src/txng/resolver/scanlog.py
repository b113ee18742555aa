"""The resolver's hot path in plain SQL: a GTIN's published product, a stamp's recent scans and PIN entries, and
one scan's insert.

Every resolution of a stamp reads the stamp's scans, reads its PIN entries and writes a scan. Built with
the ORM, compiling those three statements cost about three quarters of a resolution's server time
(bench/codes.py, profiled in-process: 1.8 ms a genuine stamp, of which 1.4 ms query construction); the
statements are fixed, so they are written once here, from the models' own table and column names, and
run through Django's connection (same transaction, same placeholders on SQLite and PostgreSQL).
Everything else reads and writes these tables through the models.
"""

from __future__ import annotations

import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from txng.registry.models import Organization, Product
from txng.resolver.models import PinCheck, Scan
from txng.resolver.risk import PinEntry, ScanPoint

_SCAN_COLUMNS = (
    "organization_id", "gtin", "lot", "serial", "batch", "stamp_index", "verdict", "scanned_at", "ip_hash",
    "platform", "language",
)  # fmt: skip


def _columns(model: type[Any], *names: str) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)


@cache
def _statements() -> dict[str, str]:
    scan, pin = Scan._meta.db_table, PinCheck._meta.db_table
    product, organization = Product._meta.db_table, Organization._meta.db_table
    quote = connection.ops.quote_name
    return {
        "scans": (
            f"SELECT {_columns(Scan, 'scanned_at', 'ip_hash', 'latitude', 'longitude')} FROM {quote(scan)} "  # noqa: S608 - names from the models
            f"WHERE {_columns(Scan, 'batch')} = %s AND {_columns(Scan, 'stamp_index')} = %s "
            f"ORDER BY {_columns(Scan, 'scanned_at')} DESC LIMIT %s"
        ),
        "pins": (
            f"SELECT {_columns(PinCheck, 'checked_at', 'is_correct', 'ip_hash')} FROM {quote(pin)} "  # noqa: S608 - names from the models
            f"WHERE {_columns(PinCheck, 'batch')} = %s AND {_columns(PinCheck, 'stamp_index')} = %s "
            f"AND {_columns(PinCheck, 'checked_at')} >= %s"
        ),
        # Both of a stamp's reads in one statement (one round trip): its newest scans, then its recent PIN
        # entries, told apart by the first column.
        "stamp": (
            f"SELECT 0, s.* FROM (SELECT {_columns(Scan, 'scanned_at', 'ip_hash', 'latitude', 'longitude')}, "  # noqa: S608 - names from the models
            f"CAST(NULL AS BOOLEAN) AS is_correct FROM {quote(scan)} "
            f"WHERE {_columns(Scan, 'batch')} = %s AND {_columns(Scan, 'stamp_index')} = %s "
            f"ORDER BY {_columns(Scan, 'scanned_at')} DESC LIMIT %s) s "
            f"UNION ALL SELECT 1, {_columns(PinCheck, 'checked_at', 'ip_hash')}, NULL, NULL, "
            f"{_columns(PinCheck, 'is_correct')} FROM {quote(pin)} "
            f"WHERE {_columns(PinCheck, 'batch')} = %s AND {_columns(PinCheck, 'stamp_index')} = %s "
            f"AND {_columns(PinCheck, 'checked_at')} >= %s"
        ),
        "product": (
            f"SELECT p.{_columns(Product, 'id')} FROM {quote(product)} p "  # noqa: S608 - names from the models
            f"JOIN {quote(organization)} o ON o.{_columns(Organization, 'id')} = p.{_columns(Product, 'organization')} "
            f"WHERE p.{_columns(Product, 'gtin')} = %s AND p.{_columns(Product, 'is_published')} "
            f"AND o.{_columns(Organization, 'is_published')} ORDER BY p.{_columns(Product, 'id')} LIMIT 1"
        ),
        "insert": (
            f"INSERT INTO {quote(scan)} ({_columns(Scan, *_SCAN_COLUMNS)}) "  # noqa: S608 - names from the models
            f"VALUES ({', '.join(['%s'] * len(_SCAN_COLUMNS))}) RETURNING {_columns(Scan, 'id')}"
        ),
    }


def _aware(value: datetime.datetime | str) -> datetime.datetime:
    """A timestamp as the database gives it back (SQLite: text in UTC) as an aware datetime."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None, value
        value = parsed
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def stamp_scans(*, batch_id: int, index: int, limit: int) -> list[ScanPoint]:
    """The stamp's scans, newest first, at most `limit`."""
    with connection.cursor() as cursor:
        cursor.execute(_statements()["scans"], [batch_id, index, limit])
        rows = cursor.fetchall()
    return [ScanPoint(_aware(at), visitor, _float(lat), _float(lon)) for at, visitor, lat, lon in rows]


def stamp_record(
    *, batch_id: int, index: int, limit: int, pins_since: datetime.datetime
) -> tuple[list[ScanPoint], list[PinEntry]]:
    """The stamp's scans (newest first, at most `limit`) and its PIN entries since `pins_since`."""
    with connection.cursor() as cursor:
        since = connection.ops.adapt_datetimefield_value(pins_since)
        cursor.execute(_statements()["stamp"], [batch_id, index, limit, batch_id, index, since])
        rows = cursor.fetchall()
    scans = [
        ScanPoint(_aware(at), visitor, _float(lat), _float(lon)) for kind, at, visitor, lat, lon, _ in rows if kind == 0
    ]
    scans.sort(key=lambda scan: scan.at, reverse=True)  # a union keeps no order
    pins = [PinEntry(_aware(at), bool(correct), visitor) for kind, at, visitor, _, _, correct in rows if kind == 1]
    return scans, pins


def pin_entries(*, batch_id: int, index: int, since: datetime.datetime) -> list[PinEntry]:
    """The stamp's PIN entries (right or wrong) since `since`."""
    with connection.cursor() as cursor:
        cursor.execute(_statements()["pins"], [batch_id, index, connection.ops.adapt_datetimefield_value(since)])
        rows = cursor.fetchall()
    return [PinEntry(_aware(at), bool(correct), visitor) for at, correct, visitor in rows]


def published_product_id(gtin: str) -> int | None:
    """The published product of a published organization with this GTIN, if any (its primary key)."""
    with connection.cursor() as cursor:
        cursor.execute(_statements()["product"], [gtin])
        row = cursor.fetchone()
    return int(row[0]) if row is not None else None


def scan_insert(scan: Scan) -> Scan:
    """Store a new, unsaved scan and give it its primary key."""
    attnames = {field.name: field.attname for field in Scan._meta.concrete_fields}
    values = [getattr(scan, attnames[name]) for name in _SCAN_COLUMNS]
    values[_SCAN_COLUMNS.index("scanned_at")] = connection.ops.adapt_datetimefield_value(scan.scanned_at)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # One round trip, one implicit transaction, committed without waiting for the WAL to reach the
            # disk: a scan is a log line, and waiting for fsync made the resolver wait on the disk, not the
            # CPU (bench/codes.py on PostgreSQL: 550 resolutions/s, p50 14 ms). A crash of the database
            # server may lose the scans of its last fraction of a second (3 × wal_writer_delay), never a
            # half-written row, and nothing but scans.
            cursor.execute("SET LOCAL synchronous_commit TO OFF; " + _statements()["insert"], values)
            cursor.nextset()
        else:
            cursor.execute(_statements()["insert"], values)
        row = cursor.fetchone()
    assert row is not None
    scan.pk = row[0]
    scan._state.adding = False
    scan._state.db = connection.alias
    return scan
