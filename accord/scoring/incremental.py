"""Hot-path SQL for rescoring one lead: the worker job that runs after every new touch.

The ORM compiles every statement from scratch on every call; for this job that Python work
(~0.3-1 ms a statement) cost more than running the statements. So the job's statements are
built once per process and then run with new parameters:

* ``facts_one``: the lead's stage, grade and score, the fields the profile's rules read, and
  whether the lead has already reached MQL — one SELECT, compiled by the ORM from the same
  ``values()`` query as ``selectors.facts_by_lead`` (so joins and converters stay the ORM's),
  cached per connection vendor and per set of columns (i.e. per profile shape);
* ``score_upsert``: the ``LeadScore`` row in one ``INSERT ... ON CONFLICT DO UPDATE`` (both
  SQLite and PostgreSQL), instead of an UPDATE, then an INSERT when nothing was updated;
* ``lead_columns_set``: the score and grade mirrored onto the lead (only when they changed);
* ``mql_state_locked``: stage and "already MQL in this journey?" in one statement, under the
  lead's row lock on PostgreSQL (SQLite's IMMEDIATE transaction already holds the write lock).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.scoring import rules, selectors
from accord.scoring.models import LeadScore

#: A lead id no real lead has: it marks where the lead id goes among the compiled parameters.
_EXAMPLE_ID = -918_273_645
_BASE = ("pk", "stage", "grade", "score", "mql_done")
_facts_plans: dict[tuple, tuple] = {}


def _facts_plan(columns: tuple[str, ...], property_columns: tuple[str, ...]) -> tuple:
    key = (connection.vendor, columns, property_columns)
    plan = _facts_plans.get(key)
    if plan is not None:
        return plan
    reached = StageTransition.objects.filter(lead_id=OuterRef("pk"), to_stage=Stage.MQL)
    queryset = (
        Lead.objects.filter(pk=_EXAMPLE_ID)
        .annotate(mql_done=Exists(reached))
        .values(*_BASE, *columns, *property_columns)
    )
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    slots = [(param == _EXAMPLE_ID, param) for param in params]
    if sum(is_id for is_id, _ in slots) != 1:
        raise ValueError("The facts query must take the lead id exactly once.")
    # Each SELECT column by its alias, in the compiled order.
    names = [alias for _, _, alias in compiler.select]
    converters = [
        (i, funcs, expression)
        for i, (funcs, expression) in compiler.get_converters(
            [s[0] for s in compiler.select]
        ).items()
    ]
    plan = _facts_plans[key] = (sql, slots, names, converters)
    return plan


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def facts_one(lead_id: int, profile: rules.Profile) -> tuple[selectors.LeadFacts, bool] | None:
    """One lead's facts for ``profile`` and whether it has reached MQL; None if it is gone."""
    columns, entities = selectors._facts_columns(profile)
    property_columns = tuple(selectors._PROPERTY_COLUMNS[e] for e in sorted(entities))
    sql, slots, names, converters = _facts_plan(tuple(columns), property_columns)
    params = [lead_id if is_id else value for is_id, value in slots]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    values = list(found)
    for index, funcs, expression in converters:
        for func in funcs:
            values[index] = func(values[index], expression, connection)
    row = dict(zip(names, values, strict=True))
    reverse = {column: name for name, column in selectors._FACT_COLUMNS.items()}
    facts: dict[str, Any] = {reverse[c]: row[c] for c in columns}
    for entity in entities:
        props = _json(row[selectors._PROPERTY_COLUMNS[entity]])
        if isinstance(props, dict):
            for key, value in props.items():
                facts[f"{entity}.properties.{key}"] = value
    lead = selectors.LeadFacts(
        lead_id=row["pk"], stage=row["stage"], grade=row["grade"], score=row["score"], facts=facts
    )
    return lead, bool(row["mql_done"])


def _quote(name: str | None) -> str:
    # django-stubs types a field's column as optional (virtual fields have none); these are
    # all concrete columns.
    return connection.ops.quote_name(str(name))


_score_fields = list(LeadScore._meta.concrete_fields)
_statements: dict[tuple[str, str], str] = {}


def _statement(name: str) -> str:
    key = (connection.vendor, name)
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = _BUILDERS[name]()
    return sql


def _upsert_sql() -> str:
    table = _quote(LeadScore._meta.db_table)
    columns = [_quote(f.column) for f in _score_fields]
    key = _quote(LeadScore._meta.pk.column)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def _lead_columns_sql() -> str:
    meta = Lead._meta
    return (
        f"UPDATE {_quote(meta.db_table)} SET {_quote('score')} = %s, {_quote('grade')} = %s "
        f"WHERE {_quote(meta.pk.column)} = %s"
    )


def _mql_state_sql() -> str:
    lead, log = Lead._meta, StageTransition._meta
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    pk = _quote(lead.pk.column)
    reached = (
        f"SELECT 1 FROM {_quote(log.db_table)} t "
        f"WHERE t.{_quote('lead_id')} = l.{pk} AND t.{_quote('to_stage')} = %s"
    )
    return (
        f"SELECT l.{_quote('stage')}, EXISTS ({reached}) "
        f"FROM {_quote(lead.db_table)} l WHERE l.{pk} = %s{lock}"
    )


_BUILDERS = {"upsert": _upsert_sql, "lead": _lead_columns_sql, "mql": _mql_state_sql}


def score_upsert(row: LeadScore) -> None:
    """Write ``row`` (insert or replace the lead's score): one statement, race-free."""
    params = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in _score_fields]
    with connection.cursor() as cursor:
        cursor.execute(_statement("upsert"), params)


def lead_columns_set(lead_id: int, score: int, grade: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_statement("lead"), [score, grade, lead_id])


def mql_state_locked(lead_id: int) -> tuple[str, bool] | None:
    """(stage, already reached MQL) read under the lead's row lock; None if it is gone.

    Call inside a transaction: the lock is what makes "move to MQL once" hold when two jobs
    for one lead run at the same time.
    """
    with connection.cursor() as cursor:
        cursor.execute(_statement("mql"), [Stage.MQL.value, lead_id])
        found = cursor.fetchone()
    return None if found is None else (found[0], bool(found[1]))
