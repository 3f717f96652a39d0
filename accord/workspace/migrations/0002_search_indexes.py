"""Search indexes for the workspace's full-text search (``accord.workspace.search``).

PostgreSQL: the pg_trgm extension and GIN trigram indexes on the searched columns of
contacts and accounts, so ``ILIKE '%text%'`` is an index scan at a million rows.

SQLite: FTS5 tables with the trigram tokenizer (substring matches, case-insensitive), as
external-content tables over ``contacts_contact`` and ``contacts_account``, kept in sync by
triggers. Each backend gets only its own part (``connection.vendor``).
"""

from __future__ import annotations

from django.db import migrations

CONTACT_COLUMNS = ("first_name", "last_name", "email", "phone")
ACCOUNT_COLUMNS = ("name", "domain")


def _fts_sql(table: str, source: str, columns: tuple[str, ...]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {table} USING fts5({names}, content='{source}', "
        f"content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {source} BEGIN "
        f"INSERT INTO {table}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {source} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF {names} ON {source} BEGIN "
        f"INSERT INTO {table}({table}, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {table}(rowid, {names}) VALUES (new.id, {new}); END",
        f"INSERT INTO {table}({table}) VALUES ('rebuild')",
    ]


def _fts_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_{s}" for s in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {table}"
    ]


SQLITE_FORWARD = _fts_sql("workspace_contact_fts", "contacts_contact", CONTACT_COLUMNS) + _fts_sql(
    "workspace_account_fts", "contacts_account", ACCOUNT_COLUMNS
)
SQLITE_BACKWARD = _fts_drop("workspace_contact_fts") + _fts_drop("workspace_account_fts")

PG_FORWARD = (
    ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
    + [
        f"CREATE INDEX IF NOT EXISTS workspace_contact_{c}_trgm "
        f"ON contacts_contact USING gin ({c} gin_trgm_ops)"
        for c in CONTACT_COLUMNS
    ]
    + [
        f"CREATE INDEX IF NOT EXISTS workspace_account_{c}_trgm "
        f"ON contacts_account USING gin ({c} gin_trgm_ops)"
        for c in ACCOUNT_COLUMNS
    ]
)
PG_BACKWARD = [f"DROP INDEX IF EXISTS workspace_contact_{c}_trgm" for c in CONTACT_COLUMNS] + [
    f"DROP INDEX IF EXISTS workspace_account_{c}_trgm" for c in ACCOUNT_COLUMNS
]


class RunSQLOn(migrations.RunSQL):
    """``RunSQL`` that runs only on one database vendor (a no-op elsewhere)."""

    def __init__(self, vendor: str, sql: list[str], reverse_sql: list[str]):
        super().__init__(sql=sql, reverse_sql=reverse_sql)
        self.vendor = vendor

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, args, kwargs = super().deconstruct()
        kwargs["vendor"] = self.vendor
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0001_saved_views"),
        ("contacts", "0006_contact_identified_by_external_id"),
    ]

    operations = [
        RunSQLOn("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        RunSQLOn("postgresql", PG_FORWARD, PG_BACKWARD),
    ]
