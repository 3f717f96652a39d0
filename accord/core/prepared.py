"""Hot-path SQL built once per process instead of once per call.

The ORM compiles every ``Model.objects.create`` and ``.filter(...).first()`` from scratch:
~0.2 ms of Python each on our machines, against ~0.02 ms for the database to run the
statement. The public capture endpoint makes several per submission, so its few hot
statements use these helpers. Both produce exactly what the ORM would:

* ``row_insert(instance)`` runs the INSERT ``instance.save(force_insert=True)`` would run
  (the same columns, ``pre_save`` for ``auto_now`` fields, the backend's value adapters), and
  falls back to ``save()`` when a ``pre_save``/``post_save`` receiver listens on the model.
* ``PreparedQuery`` compiles a queryset once (per connection vendor) and then runs its SQL
  with new parameter values, building the instance with the same converters as the ORM.
* ``statement_cursor(connection)`` runs such statements prepared on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connections, models
from django.db.models import signals

M = TypeVar("M", bound=models.Model)

_insert_plans: dict[tuple[str, type], tuple[str, list[Any], bool]] = {}


def _insert_plan(model: type[models.Model], alias: str) -> tuple[str, list[Any], bool]:
    connection = connections[alias]
    key = (connection.vendor, model)
    plan = _insert_plans.get(key)
    if plan is None:
        meta = model._meta
        fields = [
            (f, _plain_type(f), type(f).pre_save is not models.Field.pre_save)
            for f in meta.concrete_fields
            if f is not meta.pk
        ]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(meta.db_table),
            ", ".join(quote(str(f.column)) for f, _, _ in fields),  # concrete: has a column
            ", ".join(["%s"] * len(fields)),
        )
        returning = bool(connection.features.can_return_columns_from_insert)
        if returning:
            sql += f" RETURNING {quote(meta.db_table)}.{quote(str(meta.pk.column))}"
        plan = _insert_plans[key] = (sql, fields, returning)
    return plan


def _plain_type(field: models.Field) -> type | None:
    """The Python type ``field`` stores unchanged: str, int, bool or (None) no such type."""
    if isinstance(field, models.ForeignKey):
        return _plain_type(field.target_field)
    if isinstance(field, models.CharField | models.TextField):
        return str
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.IntegerField):  # also the auto fields
        return int
    return None


def row_insert(instance: M, *, using: str = "default") -> M:
    """INSERT a new, unsaved ``instance``; set its primary key and return it."""
    model = type(instance)
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        instance.save(force_insert=True, using=using)
        return instance
    sql, fields, returning = _insert_plan(model, using)
    connection = connections[using]
    params = []
    for field, plain_type, own_pre_save in fields:
        value = field.pre_save(instance, True) if own_pre_save else getattr(instance, field.attname)
        # get_db_prep_save leaves None, and a str/int/bool of a text/integer/boolean field,
        # as it is: skip its layers of calls for those.
        if value is not None and type(value) is not plain_type:
            value = field.get_db_prep_save(value, connection)
        params.append(value)
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        if returning:
            pk = cursor.fetchone()[0]
        else:  # pragma: no cover - SQLite older than 3.35
            pk_column = str(model._meta.pk.column)
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, pk_column)
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    return instance


class PreparedQuery(Generic[M]):
    """``build(*args).first()`` / ``list(build(*args))`` for a fixed queryset shape, compiled
    once per connection vendor.

    ``build`` takes the parameter values and returns the queryset. It is compiled once with
    ``examples`` (distinct values of the right types, not equal to any constant in the query)
    to find where each argument lands among the SQL's parameters. Use it for plain filters
    on the model's own columns with exact lookups only: a lookup that rewrites its value
    (iexact, contains...) would get the raw value (no joins, no ``select_related``).
    """

    def __init__(self, build: Callable[..., models.QuerySet[M]], *, examples: tuple) -> None:
        self._build = build
        self._examples = examples
        self._plans: dict[tuple[str, bool], tuple] = {}  # (vendor, first only) -> plan

    def _plan(self, alias: str, first: bool) -> tuple:
        connection = connections[alias]
        plan = self._plans.get((connection.vendor, first))
        if plan is not None:
            return plan
        queryset = self._build(*self._examples)
        if first:
            if not queryset.ordered:
                queryset = queryset.order_by("pk")  # what .first() does
            queryset = queryset[:1]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots: list[tuple[bool, Any]] = []  # (is an argument, its index or the constant)
        for param in params:
            index = next((i for i, e in enumerate(self._examples) if e == param), None)
            slots.append((True, index) if index is not None else (False, param))
        if sorted(i for is_arg, i in slots if is_arg) != list(range(len(self._examples))):
            raise ValueError("Each argument must appear once as a plain query parameter.")
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None or klass_info.get("related_klass_infos"):
            raise ValueError("PreparedQuery supports single-model querysets only.")
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        columns = [s[0] for s in select[start:end]]
        converters = compiler.get_converters(columns)
        plan = (
            sql,
            slots,
            [c.target.attname for c in columns],
            [(i, funcs, expression) for i, (funcs, expression) in converters.items()],
            klass_info["model"],
            start,
            end,
        )
        self._plans[(connection.vendor, first)] = plan
        return plan

    def _run(self, args: tuple, using: str, first: bool) -> list[M]:
        sql, slots, attnames, converters, model, start, end = self._plan(using, first)
        connection = connections[using]
        params = [args[value] if is_arg else value for is_arg, value in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            values = list(row[start:end])
            for index, funcs, expression in converters:
                value = values[index]
                for func in funcs:
                    value = func(value, expression, connection)
                values[index] = value
            found.append(model.from_db(using, attnames, values))
        return found

    def first(self, *args: Any, using: str = "default") -> M | None:
        found = self._run(args, using, True)
        return found[0] if found else None

    def all(self, *args: Any, using: str = "default") -> list[M]:
        return self._run(args, using, False)


class RowShape:
    """One model's INSERT from plain values in a fixed field order, without model instances.

    For hot paths that already hold their values: no instance to build and no
    ``get_db_prep_save`` per field (together most of ``row_insert``'s cost). ``fields`` names
    the given columns by attname, in order; every other concrete field gets its default,
    adapted once per connection vendor. Values go to the database as they are, except
    datetimes and JSON, which get the backend's own adapters (what ``save()`` would send).
    ``auto_now`` fields and fields with a per-row default (``timezone.now``...) must be given.
    No signals are sent: callers check ``has_save_receivers()`` and use the ORM if true.

    ``linked`` names given fields whose value is an SQL expression instead of a parameter,
    e.g. the id of a row inserted by an earlier part of the same statement (PostgreSQL CTE);
    their entries in ``values`` are ignored.
    """

    _STATIC_DEFAULTS = (dict, list)

    def __init__(self, model: type[models.Model], fields: tuple[str, ...]) -> None:
        self.model = model
        self.fields = fields
        self._plans: dict[str, tuple] = {}
        self._sql: dict[tuple, str] = {}

    def has_save_receivers(self) -> bool:
        return signals.pre_save.has_listeners(self.model) or signals.post_save.has_listeners(
            self.model
        )

    def table(self, connection: Any) -> str:
        return connection.ops.quote_name(self.model._meta.db_table)

    def columns(self, connection: Any) -> str:
        """The column list: the given fields in order, then the defaulted ones."""
        return self._plan(connection)[0]

    def values(self, connection: Any, linked: dict[str, str] | None = None) -> str:
        """The row's value list: ``%s`` per parameter, ``linked[field]`` for linked fields."""
        _, _, defaults = self._plan(connection)
        linked = linked or {}
        slots = [linked.get(name, "%s") for name in self.fields]
        return ", ".join(slots + ["%s"] * len(defaults))

    def insert_sql(
        self, connection: Any, *, returning: bool = True, ignore_conflicts: bool = False
    ) -> str:
        """``INSERT ... VALUES``; ``ignore_conflicts`` adds ``ON CONFLICT DO NOTHING`` (a row
        that breaks a unique constraint is skipped: no error, and RETURNING gives no row)."""
        key = (connection.vendor, returning, ignore_conflicts)
        sql = self._sql.get(key)
        if sql is None:
            sql = f"INSERT INTO {self.table(connection)} ({self.columns(connection)}) "
            sql += f"VALUES ({self.values(connection)})"
            if ignore_conflicts:
                sql += " ON CONFLICT DO NOTHING"
            if returning:
                sql += f" RETURNING {connection.ops.quote_name(self.model._meta.pk.column)}"
            self._sql[key] = sql
        return sql

    def params(self, values: tuple, connection: Any, linked: Any = ()) -> list[Any]:
        """The parameters for one row: ``values`` (in ``fields`` order) adapted, then defaults."""
        _, adapters, defaults = self._plan(connection)
        params = [
            value if adapt is None else adapt(value)
            for name, value, adapt in zip(self.fields, values, adapters, strict=True)
            if name not in linked
        ]
        return params + defaults

    def _plan(self, connection: Any) -> tuple:
        plan = self._plans.get(connection.vendor)
        if plan is not None:
            return plan
        meta = self.model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields if f is not meta.pk}
        given = [by_attname[name] for name in self.fields]
        others = [f for f in by_attname.values() if f.attname not in self.fields]
        for field in others:
            default = field.default if field.has_default() else None
            if getattr(field, "auto_now", False) or (
                callable(default) and default not in self._STATIC_DEFAULTS
            ):
                raise ValueError(f"{meta.label}.{field.attname} changes per row: give it.")
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*given, *others])
        adapters = [_value_adapter(field, connection) for field in given]
        defaults = [f.get_db_prep_save(f.get_default(), connection) for f in others]
        plan = self._plans[connection.vendor] = (columns, adapters, defaults)
        return plan


def _value_adapter(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """How a plain value of ``field`` goes to the database; ``None`` when as it is."""
    ops = connection.ops
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    if isinstance(field, models.DateTimeField):
        return _datetime_adapter(connection)
    if isinstance(field, models.CharField | models.TextField | models.BooleanField):
        return None  # str / bool (the caller's values are already clean)
    if isinstance(field, models.IntegerField | models.ForeignKey | models.AutoField):
        return None  # ints and ids
    return lambda value: field.get_db_prep_save(value, connection)


_datetime_adapters: dict[str, Callable[[Any], Any]] = {}


def _datetime_adapter(connection: Any) -> Callable[[Any], Any]:
    """The backend's datetime adapter, remembering recent answers across all fields: one
    submission writes the same two moments (its time and "now") into seven columns, and on
    SQLite each adaptation is a timezone conversion and an isoformat."""
    adapter = _datetime_adapters.get(connection.vendor)
    if adapter is None:
        adapt = connection.ops.adapt_datetimefield_value
        seen: dict[Any, Any] = {}  # dict reads and writes are atomic: safe across threads

        def adapter(value: Any) -> Any:
            if value is None:
                return None
            adapted = seen.get(value)
            if adapted is None:
                if len(seen) > 64:
                    seen.clear()
                adapted = seen[value] = adapt(value)
            return adapted

        _datetime_adapters[connection.vendor] = adapter
    return adapter


class _PreparingCursor:
    """A psycopg cursor whose every statement is prepared (see ``statement_cursor``)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Any = None) -> None:
        self._cursor.execute(sql, params, prepare=True)

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()


@contextmanager
def statement_cursor(connection: Any) -> Iterator[Any]:
    """A cursor for a few fixed hot statements: on PostgreSQL they are prepared.

    Django's psycopg cursors bind parameters on the client and never prepare, so PostgreSQL
    parses and plans every statement afresh: for the capture endpoint's insert CTE that was
    most of the backend's CPU per submission (1.23 ms; 0.76 ms prepared). Here a plain
    psycopg cursor on the same connection, hence in the same transaction, binds on the
    server and prepares each statement on first use; psycopg keeps the most recent
    ``prepared_max`` (100) per connection. Database errors still arrive as Django's. Use it
    only for a handful of statements with fixed SQL, since each one stays prepared in every
    connection. Django's query log and execute wrappers do not see these statements.
    ``PG_PREPARE_HOT_STATEMENTS`` (``ACCORD_PG_PREPARE=0``) turns this off; SQLite already
    caches its compiled statements per connection.
    """
    if connection.vendor != "postgresql" or not getattr(
        settings, "PG_PREPARE_HOT_STATEMENTS", True
    ):
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), which also ignores prepare=True. Its
        # own cursors bind on the client and never prepare whatever this says; with a
        # threshold no statement reaches, only ours (prepare=True) are prepared.
        raw.prepare_threshold = _NEVER_AUTOMATICALLY
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        yield _PreparingCursor(cursor)


_NEVER_AUTOMATICALLY = 2**31 - 1
