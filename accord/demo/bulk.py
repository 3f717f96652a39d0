"""Fast bulk writes of simulator rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Both take the rows as they come (no model instances), which is what makes a million leads and
twenty million touchpoints loadable in minutes. Table and column names come from the models'
``_meta``; a field the simulator does not know about (a column another part of Accord added
later) is filled with its default, or NULL, so the demo keeps working as the models grow.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from accord.demo.tables import Rows


class MissingColumn(Exception):
    """A model gained a required field that the simulator does not fill."""


def _fill_values(model, columns: tuple[str, ...]) -> tuple[list[str], tuple]:
    """Column names and prepared values for the concrete fields missing from ``columns``."""
    names, values = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.attname in columns:
            continue
        if model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            value = None
        else:
            raise MissingColumn(
                f"{model._meta.label}.{model_field.name} has no default and the demo "
                "simulator does not fill it."
            )
        names.append(model_field.column)
        values.append(model_field.get_db_prep_save(value, connection))
    return names, tuple(values)


def _with_fill(rows: Iterable[tuple], fill: tuple) -> Iterator[tuple] | Iterable[tuple]:
    return (row + fill for row in rows) if fill else rows


def rows_write(label: str, table: Rows) -> int:
    """Insert ``table`` into ``label``'s database table; call inside a transaction."""
    if not table.rows:
        return 0
    model = apps.get_model(label)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = [name for name in table.columns if name not in by_attname]
    if unknown:
        raise MissingColumn(f"{label} has no field(s): {', '.join(unknown)}.")
    fill_names, fill = _fill_values(model, table.columns)
    quote = connection.ops.quote_name
    names = [by_attname[name].column for name in table.columns] + fill_names
    column_sql = ", ".join(quote(name) for name in names)
    db_table = quote(model._meta.db_table)
    rows = _with_fill(table.rows, fill)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            # The simulator's times are UTC without an offset.
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            with cursor.copy(f"COPY {db_table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        placeholders = ", ".join("?" for _ in names)
        raw.executemany(f"INSERT INTO {db_table} ({column_sql}) VALUES ({placeholders})", rows)
    return len(table.rows)


def sequences_reset(labels: Iterable[str]) -> None:
    """Move id sequences past the ids the simulator chose (PostgreSQL; no-op on SQLite)."""
    models = [apps.get_model(label) for label in labels]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _plain_indexes(cursor, model) -> list[str]:
    """Names of the table's non-unique secondary indexes (never the key or unique ones)."""
    constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [
        name
        for name, info in constraints.items()
        if info.get("index") and not info.get("unique") and not info.get("primary_key")
    ]


def indexes_drop(labels: Iterable[str]) -> None:
    """Drop secondary indexes before a bulk load; ``indexes_ensure`` builds them again.

    Keeping eight indexes on touchpoints up to date row by row makes SQLite's inserts about
    four times slower than inserting bare rows and sorting each index once at the end.
    Unique indexes stay: they are what keeps the data correct while it loads.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label in labels:
            for name in _plain_indexes(cursor, apps.get_model(label)):
                cursor.execute(f"DROP INDEX {quote(name)}")


def indexes_ensure(labels: Iterable[str]) -> int:
    """Create any index the models declare that the database lacks; return how many.

    Also repairs a database whose bulk load was killed between dropping and rebuilding.
    """
    # The editor is used only to render the models' own CREATE INDEX statements (so names
    # and definitions match the migrations); it is not entered, so it works inside atomic().
    editor = connection.schema_editor(collect_sql=False)
    created = 0
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # PostgreSQL refuses DDL on a table with deferred foreign-key checks still pending
        # in the transaction; running them now also proves the loaded rows consistent.
        connection.check_constraints()
    with connection.cursor() as cursor:
        for label in labels:
            model = apps.get_model(label)
            existing = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            # Django's own index statements for a model (private but stable): the load
            # rebuilds exactly the indexes migrate would have made.
            for statement in editor._model_indexes_sql(model):  # type: ignore[attr-defined]
                name = str(statement.parts["name"]).strip('"')
                if name not in existing:
                    cursor.execute(str(statement))
                    created += 1
    return created
