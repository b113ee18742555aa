"""Querysets compiled once per process: a fixed query's SQL, run again with other values for its parameters.

For the small lookups of the busiest public pages, the ORM spends more time turning a queryset into SQL
than the database spends answering it (bench/public.py, a product page on PostgreSQL: three queries, about
half of the page's server time in the compiler). A `PreparedQuery` builds its queryset once, with marker
values for the arguments, keeps the compiled SQL, where the markers landed among the parameters, the
result converters and the select_related populators, and then only executes: the ORM stays the one source
of the SQL and of the model instances.

The query's shape must not depend on the arguments, and each argument must reach the SQL unchanged as a
parameter (exact comparisons: `field=value`, `field__gte=value`; not `__icontains`, `__in` or transforms).
Both are checked when the query is compiled.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=Model)

# Values no real row has, each of a type the ORM passes through as it is.
_MARKERS: dict[type, Callable[[int], Any]] = {
    str: lambda k: f"\x00txng-prepared-{k}\x00",
    int: lambda k: -7_318_004_000 - k,
    datetime.date: lambda k: datetime.date(1, 1, 1) + datetime.timedelta(days=k + 17),
}


@dataclass(frozen=True)
class _Compiled:
    alias: str
    model: Any
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int | None, ...]  # per parameter: the argument it takes, or None for a constant
    compiler: Any
    converters: Any
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]


class PreparedQuery(Generic[M]):
    """`build(*args)` → queryset on the default database; calling the prepared query with args gives
    `list(build(*args))`, with the argument types given here (str, int, datetime.date)."""

    def __init__(self, build: Callable[..., QuerySet[M]], *types: type) -> None:
        self._build, self._types = build, types
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def __call__(self, *args: Any) -> list[M]:
        if len(args) != len(self._types):
            raise TypeError(f"expected {len(self._types)} arguments, got {len(args)}")
        compiled = self._compiled or self._compile()
        connection = connections[compiled.alias]
        values = [_adapt(connection, value) for value in args]
        params = [
            values[slot] if slot is not None else value
            for slot, value in zip(compiled.slots, compiled.params, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        objects = []
        for row in rows:
            obj = compiled.model.from_db(compiled.alias, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def _compile(self) -> _Compiled:
        markers = [_MARKERS[kind](k) for k, kind in enumerate(self._types)]
        queryset = self._build(*markers)
        if queryset._prefetch_related_lookups or queryset.query.annotation_select:  # type: ignore[attr-defined]
            raise ValueError("a prepared query has no prefetches or annotations")
        alias = queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        adapted = [_adapt(connections[alias], marker) for marker in markers]
        slots = tuple(_slot(adapted, value) for value in params)
        if any(k not in slots for k in range(len(markers))):
            raise ValueError("each argument must reach the SQL unchanged, as a parameter")
        klass_info, select = compiler.klass_info, compiler.select
        fields = [column[0] for column in select[0 : compiler.col_count]]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        compiled = _Compiled(
            alias=alias,
            model=queryset.model,
            sql=sql,
            params=tuple(params),
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, alias),
        )
        with self._lock:
            self._compiled = compiled
        return compiled


def _adapt(connection: Any, value: Any) -> Any:
    """A value as the ORM hands it to the database driver (SQLite takes dates as text)."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return connection.ops.adapt_datefield_value(value)
    return value


def _slot(markers: list[Any], value: Any) -> int | None:
    for k, marker in enumerate(markers):
        if type(value) is type(marker) and value == marker:
            return k
    return None
