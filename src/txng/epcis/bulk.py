"""Bulk inserts of plain rows: COPY FROM STDIN on PostgreSQL, one executemany on SQLite.

Capture and the lot graph it derives write thousands of narrow rows per document; COPY skips the
per-row statement work that executemany still pays (parsing, binding, one round of protocol messages).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_rows(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows whose values are already in the database's form, in `columns` order."""
    if not rows:
        return
    names = ", ".join(f'"{column}"' for column in columns)
    if connection.vendor != "postgresql":
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608
        return
    sql = f'COPY "{table}" ({names}) FROM STDIN'
    started = time.monotonic()
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        # Django's debug cursor does not see COPY; query-count tests and the debug toolbar should.
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )
