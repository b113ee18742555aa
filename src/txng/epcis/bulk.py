"""Bulk statements of capture and the lot graph: plain-row inserts (COPY FROM STDIN on PostgreSQL, one
executemany on SQLite) and PostgreSQL statements that take whole columns as array parameters.

Capture and the lot graph it derives write thousands of narrow rows per document; COPY skips the
per-row statement work that executemany still pays (parsing, binding, one round of protocol messages).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
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


def execute_arrays(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: run `sql`, whose `%b` placeholders take (mostly) array parameters, and return its rows.

    Django's psycopg cursors bind parameters on the client, quoting each element of an array into the
    SQL text in Python: five milliseconds for two arrays of a thousand keys, longer than the statement
    takes to run. This binds them on the server in binary form (0.8 ms), on the same connection and so
    in the caller's transaction.
    """
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description is not None else []
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows
