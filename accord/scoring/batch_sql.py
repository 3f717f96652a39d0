"""SQL of batch rescoring: chunks of lead ids, facts and the touches a profile could match.

The touch filter is a *superset* of what the rules match (the rules themselves decide, in
Python, once per distinct touch signature): it only lets the database skip touches no rule
can count. Where SQL cannot mirror Python's comparison (``casefold`` beyond ASCII, the tab
and newline characters ``urlsplit`` drops) the filter lets those touches through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import connection

from accord.contacts.models import Lead
from accord.scoring import rules, selectors
from accord.tracking.models import Channel, Touchpoint


def lead_ids_query(after: int, size: int, open_only: bool) -> tuple[str, list]:
    table = Lead._meta.db_table
    where = ' AND "is_open"' if open_only else ""
    if open_only and connection.vendor != "postgresql":
        where = ' AND "is_open" = 1'
    return (
        f'SELECT MIN("id"), MAX("id") FROM (SELECT "id" FROM "{table}" '
        f'WHERE "id" > %s{where} ORDER BY "id" LIMIT %s) chunk',
        [after, size],
    )


def facts_query(
    fields: Sequence[str], lo: int, hi: int, open_only: bool
) -> tuple[str, tuple, list[str], list[str]]:
    """The facts read of ``selectors.facts_by_lead`` as SQL for a range of lead ids.

    Returns the SQL, its parameters, the fact names of the model columns (after the id,
    stage, grade and score columns) and the entities whose properties follow them.
    """
    names = [n for n in dict.fromkeys(fields) if n in selectors._FACT_COLUMNS]
    entities = sorted({split[0] for n in fields if (split := rules.field_property_split(n))})
    leads = Lead.objects.filter(pk__gte=lo, pk__lte=hi)
    if open_only:
        leads = leads.filter(is_open=True)
    query = leads.order_by("pk").values_list(
        "pk",
        "stage",
        "grade",
        "score",
        *[selectors._FACT_COLUMNS[n] for n in names],
        *[selectors._PROPERTY_COLUMNS[e] for e in entities],
    )
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    return sql, params, names, entities


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _url_literal(pattern: str) -> str | None:
    """Text every URL path a pattern matches contains (ASCII, any case), or None if unknown."""
    pattern = pattern.strip().casefold()
    if not pattern.isascii():
        return None
    if "*" in pattern or "?" in pattern:
        if "[" in pattern:
            return None
        literal = max(re.split(r"[*?]", pattern), key=len)
    else:
        literal = pattern.rstrip("/")
    return literal if literal.strip("/") else None


def _sql_parts() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "like": "ILIKE",
            # Any character outside printable ASCII: non-ASCII, tab, newline, return.
            "unusual": "t.\"{col}\" ~ '[^ -~]'",
            "at_us": '(EXTRACT(EPOCH FROM t."at") * 1000000)::bigint',
        }
    return {
        # SQLite's LIKE ignores case for ASCII letters only; the rest is let through.
        "like": "LIKE",
        # Non-ASCII (more bytes than characters), tab, newline, return; cheaper than a GLOB.
        "unusual": '(length(t."{col}") <> length(CAST(t."{col}" AS BLOB)) '
        'OR instr(t."{col}", char(9)) > 0 OR instr(t."{col}", char(10)) > 0 '
        'OR instr(t."{col}", char(13)) > 0)',
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC: read as text, numpy turns it
        # into exact microseconds (``batch.epoch_us``) at a twentieth of SQL's cost. CAST: an
        # expression has no declared type, so Django's datetime converter is not called.
        "at_us": 'CAST(t."at" AS TEXT)',
    }


def touch_filter(profile: rules.Profile) -> tuple[str, list] | None:
    """SQL condition on touches ``t`` that every touch some rule matches passes; None when
    no rule can match any touch."""
    parts = _sql_parts()
    slugs: dict[str, list[int]] = {}
    for pk, slug in Channel.objects.values_list("pk", "slug"):
        slugs.setdefault(slug, []).append(pk)
    clauses: dict[tuple[str, tuple], None] = {}
    weird: dict[str, None] = {}
    matches = [r.match for r in profile.engagement] + [r.match for r in profile.fast_track]
    for match in matches:
        terms: list[str] = []
        values: list = []
        if match.touch_type:
            terms.append('t."type" = %s')
            values.append(match.touch_type)
        if match.channel:
            ids = slugs.get(match.channel)
            if not ids:
                continue  # no such channel: the rule matches nothing
            terms.append(f't."channel_id" IN ({", ".join(["%s"] * len(ids))})')
            values.extend(ids)
        if match.campaign and match.campaign.casefold().isascii():
            terms.append(f"""t."utm_campaign" {parts["like"]} %s ESCAPE '\\'""")
            values.append(_like_escape(match.campaign.casefold()))
            weird[parts["unusual"].format(col="utm_campaign")] = None
        literal = _url_literal(match.url_pattern) if match.url_pattern else None
        if literal is not None:
            # url_path gives a URL without "://" or a leading "/" one: "pricing" is
            # "/pricing", so a literal "/x..." may also be the start of such a URL.
            starts = literal[1:] if literal.startswith("/") else literal
            terms.append(
                f"""(t."url" {parts["like"]} %s ESCAPE '\\' """
                f"""OR t."url" {parts["like"]} %s ESCAPE '\\')"""
            )
            values.extend([f"%{_like_escape(literal)}%", f"{_like_escape(starts)}%"])
            weird[parts["unusual"].format(col="url")] = None
        if not terms:
            return "1 = 1", []  # this rule may match any touch
        clauses["(" + " AND ".join(terms) + ")", tuple(values)] = None
    if not clauses:
        return None
    # Rules that only name a type: one IN test instead of one comparison each.
    types = [values[0] for clause, values in clauses if clause == '(t."type" = %s)']
    if len(types) > 1:
        rest = {key: None for key in clauses if key[0] != '(t."type" = %s)'}
        merged = f't."type" IN ({", ".join(["%s"] * len(types))})'
        clauses = {(merged, tuple(types)): None, **rest}
    # Values SQL cannot compare as Python does (see the module docstring) pass whatever the
    # rule: Python decides for them.
    sql = " OR ".join([clause for clause, _ in clauses] + list(weird))
    return f"({sql})", [value for _, values in clauses for value in values]


def touch_id_bounds() -> tuple[int | None, int | None]:
    table = Touchpoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MIN("id"), MAX("id") FROM "{table}"')
        low, high = cursor.fetchone()
    return low, high


def touches_query(where: str, where_params: list, lo: int, hi: int) -> tuple[str, list]:
    """Touches of leads with lo <= id <= hi passing ``where``: lead, id, at (epoch µs on
    PostgreSQL, the stored text on SQLite: see ``batch.epoch_us``) and the signature columns.
    By touch id, so that the table is read in its own order."""
    table = Touchpoint._meta.db_table
    at_us = _sql_parts()["at_us"]
    return (
        f'SELECT t."lead_id", t."id", {at_us}, t."type", t."channel_id", t."utm_campaign", '
        f't."url" FROM "{table}" t WHERE t."id" BETWEEN %s AND %s '
        f'AND t."lead_id" IS NOT NULL AND {where}',
        [lo, hi, *where_params],
    )
