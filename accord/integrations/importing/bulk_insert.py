"""Fast inserts for imports: plain tuples in, ``COPY`` (PostgreSQL) or multi-row INSERTs out.

``QuerySet.bulk_create`` compiles SQL per batch, prepares every value through the expression
machinery and needs a model instance per row; on an import of 100,000 leads that was most of
the time. Here rows are tuples of values for named columns; the columns a caller does not
give get the field's default (computed once). Ids, where the caller needs them to point
other rows at, are reserved first (PostgreSQL: ``nextval`` of the table's sequence; SQLite:
above the largest id and the AUTOINCREMENT counter, inside the import's IMMEDIATE
transaction that already holds the write lock). Values are adapted as the ORM would store
them (aware datetimes as naive UTC text on SQLite, JSON as ``json.dumps`` text). Model
``save()``/signals are not involved (the project uses neither).

Must run inside ``transaction.atomic()``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.utils import timezone

#: Rows per multi-row INSERT on SQLite (beyond ~100 the saving per row levels off).
ROWS_PER_INSERT = 200
EMPTY_JSON = "{}"


def json_text(value: Any) -> str:
    """What a ``JSONField`` stores for ``value`` (``{}`` without calling ``json.dumps``)."""
    if not value and isinstance(value, dict):
        return EMPTY_JSON
    return json.dumps(value)


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def _remembering(convert: Callable[[Any], Any], size: int = 50_000) -> Callable[[Any], Any]:
    """``convert`` with a memory of recent answers: an import's rows share many values (the
    lead's creation time in each of its transitions, the same details on every one)."""
    memory: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return memory[value]
        except KeyError:
            pass
        except TypeError:  # unhashable (a dict of properties)
            return convert(value)
        if len(memory) >= size:
            memory.clear()
        result = memory[value] = convert(value)
        return result

    return remembered


def _adapter(field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How a Python value of ``field`` goes to the database; ``None`` when as it is."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        last: list[Any] = [None, None]

        def json_adapt(value: Any) -> str | None:
            if value is None:
                return None
            if value is last[0]:  # one shared object, e.g. every transition's details
                return last[1]
            text = json_text(value)
            last[:] = [value, text]
            return text

        return json_adapt
    if connection.vendor == "postgresql":
        # COPY sends text; psycopg writes aware datetimes, dates and decimals exactly.
        return None
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and settings.USE_TZ:
            return _remembering(_sqlite_datetime)
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    return None


def ids_reserve(model: type[models.Model], count: int, *, using: str = "default") -> list[int]:
    """``count`` primary keys for new rows of ``model``, unused by anyone else."""
    if count == 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    pk = str(model._meta.pk.column)  # a primary key always has a column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            highest = max(highest, row[0] if row else 0)
        return list(range(highest + 1, highest + 1 + count))


def tuples_insert(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: Iterable[tuple],
    *,
    using: str = "default",
) -> int:
    """Insert ``rows`` (values for ``attnames``, in order); return how many went in.

    Include the primary key's attname to insert reserved ids; leave it out to let the
    database number the rows. Any other concrete field not named gets its default;
    ``auto_now`` fields get the current time.
    """
    connection = connections[using]
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    now = timezone.now()
    extra_fields: list[models.Field] = []
    extra_values: list[Any] = []
    for field in meta.concrete_fields:
        if field.attname in attnames or field.primary_key:
            continue
        extra_fields.append(field)
        extra_values.append(now if getattr(field, "auto_now", False) else field.get_default())
    adapters = [_adapter(f, connection) for f in fields]
    extra = tuple(
        adapt(value) if (adapt := _adapter(f, connection)) else value
        for f, value in zip(extra_fields, extra_values, strict=True)
    )
    adapted = [(i, a) for i, a in enumerate(adapters) if a is not None]

    def prepared(row: tuple) -> Sequence:
        if not adapted:
            return (*row, *extra) if extra else row
        # A list, adapted in place and extended: both drivers take any sequence.
        values = list(row)
        for i, adapt in adapted:
            values[i] = adapt(values[i])
        values += extra
        return values

    # Concrete fields always have a column (only virtual ones have None).
    columns = [str(f.column) for f in fields] + [str(f.column) for f in extra_fields]
    if connection.vendor == "postgresql":
        return _copy(meta.db_table, columns, map(prepared, rows), connection)
    return _sqlite_insert(meta.db_table, columns, map(prepared, rows), connection)


def _copy(table: str, columns: list[str], rows: Iterable[Sequence], connection) -> int:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    count = 0
    # ``wrap_database_errors``: a refused row raises Django's ``IntegrityError``, as the
    # ORM would, rather than psycopg's own class.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _sqlite_insert(table: str, columns: list[str], rows: Iterable[Sequence], connection) -> int:
    """Multi-row ``INSERT ... VALUES (...), (...), ...`` statements of ``ROWS_PER_INSERT`` rows.

    One statement per row (``executemany``) pays SQLite's per-statement step and the driver's
    per-row call; a statement of a few hundred rows costs ~40% less CPU per row for the same
    B-tree work (measured: 100,000 contact-shaped rows, 0.65 s -> 0.39 s).
    """
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = f"({', '.join(['?'] * len(columns))})"
    per_statement = max(1, min(ROWS_PER_INSERT, _sqlite_variables(connection) // len(columns)))
    full_sql = head + ", ".join([one] * per_statement)
    count = 0
    rows = iter(rows)
    # The driver's own cursor, with its ``?`` placeholders: Django's wrapper would rewrite
    # each statement's thousands of ``%s`` (~0.4 ms a statement, 0.2 s per 100,000 rows).
    # ``wrap_database_errors``: a refused row still raises Django's ``IntegrityError``.
    with connection.wrap_database_errors, closing(connection.connection.cursor()) as cursor:
        while batch := list(islice(rows, per_statement)):
            params = [value for row in batch for value in row]
            sql = full_sql if len(batch) == per_statement else head + ", ".join([one] * len(batch))
            cursor.execute(sql, params)
            count += len(batch)
    return count


def _sqlite_variables(connection) -> int:
    """How many ``?`` one SQLite statement may hold (999 before SQLite 3.32, 32766 since)."""
    connection.ensure_connection()
    try:
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # pragma: no cover - Python < 3.11
        return 999


def rows_insert(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert unsaved instances of one model; each gets its primary key.

    For the small or instance-shaped parts of an import (accounts, campaigns, deals, ...).
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    related = [f for f in fields if isinstance(f, models.ForeignKey)]  # concrete relations
    now = timezone.now()
    auto_now = [f.attname for f in fields if getattr(f, "auto_now", False)]
    for obj, pk in zip(objs, ids_reserve(model, len(objs), using=using), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
        for name in auto_now:
            setattr(obj, name, now)
        # A foreign key set to an object saved earlier in this import takes its new id.
        for field in related:
            target = field.get_cached_value(obj, default=None)
            if target is not None and getattr(obj, field.attname) is None:
                setattr(obj, field.attname, target.pk)
    attnames = [meta.pk.attname, *(f.attname for f in fields)]
    tuples_insert(
        model,
        attnames,
        ((obj.pk, *[getattr(obj, name) for name in attnames[1:]]) for obj in objs),
        using=using,
    )
