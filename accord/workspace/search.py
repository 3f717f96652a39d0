"""Full-text search over people and companies: names, e-mails, phones, company names.

The text is split into terms; every term must match (AND), each in any searched column
(substring, case-insensitive). A term that reads as a phone number ("+7 (916) 123") is
reduced to its digits and matched against phones, which are stored as E.164
("+79161234567").

PostgreSQL answers with ``ILIKE '%term%'`` over GIN trigram indexes; SQLite with FTS5 tables
that use the trigram tokenizer (migration 0002). Terms shorter than three characters cannot
use a trigram index: they match with a plain ``LIKE`` (a scan; the other terms narrow it).

Each function returns an SQL subquery (``RawSQL``) of ids; ``InIds`` filters by it. On
PostgreSQL it reads ``column = ANY(ARRAY(subquery))`` rather than ``IN (subquery)``: the planner
cannot know how many people a term matches (the OR over four trigram indexes doubles its guess)
and, for a common surname, chose to read all million leads and hash-join them (0.8 s at 1M);
over an array it probes the (contact, created_at) index once per person (bench/leads_list.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import Any

from django.db import connection
from django.db.models import F, Lookup, Q
from django.db.models.expressions import RawSQL

CONTACT_COLUMNS = ("first_name", "last_name", "email", "phone")
ACCOUNT_COLUMNS = ("name", "domain")
MAX_TERMS = 6
MAX_QUERY = 200
_PHONE = re.compile(r"^\+?[\d\s().\-]+$")
_TERM = re.compile(r"[^\s\"]+")


@dataclass(frozen=True)
class Term:
    text: str
    phone: bool  # digits only, matched against phones


def phone_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def terms_of(query: str) -> list[Term]:
    """The terms of a search: the whole text as one phone number when it reads as one, else
    its words (quotes dropped), at most ``MAX_TERMS``."""
    query = (query or "").strip()[:MAX_QUERY]
    if not query:
        return []
    digits = phone_digits(query)
    if _PHONE.match(query) and len(digits) >= 3:
        return [Term(digits, phone=True)]
    words = [w for w in _TERM.findall(query) if w.strip("'*")]
    return [Term(w.strip("'*"), phone=False) for w in words[:MAX_TERMS]]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _ids_sql(table: str, fts: str, columns: tuple[str, ...], term: Term) -> tuple[str, list]:
    columns = ("phone",) if term.phone else columns
    if connection.vendor == "postgresql":
        where = " OR ".join(f"{c} ILIKE %s" for c in columns)
        return f"SELECT id FROM {table} WHERE {where}", [_like(term.text)] * len(columns)
    if connection.vendor == "sqlite" and len(term.text) >= 3:
        phrase = '"' + term.text.replace('"', '""') + '"'
        match = f"{{{' '.join(columns)}}} : {phrase}"
        return f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match]
    where = " OR ".join(f"{c} LIKE %s ESCAPE '\\'" for c in columns)
    return f"SELECT id FROM {table} WHERE {where}", [_like(term.text)] * len(columns)


def contact_ids(term: Term) -> RawSQL:
    sql, params = _ids_sql("contacts_contact", "workspace_contact_fts", CONTACT_COLUMNS, term)
    return RawSQL(sql, params)


def account_ids(term: Term) -> RawSQL:
    sql, params = _ids_sql("contacts_account", "workspace_account_fts", ACCOUNT_COLUMNS, term)
    return RawSQL(sql, params)


def people_ids(term: Term) -> RawSQL:
    """Contacts the term matches, by their own fields or (a word) by their company's: one
    subquery, so the caller's ``contact_id IN (...)`` is driven by the index on contact_id
    (an OR of two IN conditions would make the database scan every lead)."""
    sql, params = _ids_sql("contacts_contact", "workspace_contact_fts", CONTACT_COLUMNS, term)
    if term.phone:
        return RawSQL(sql, params)
    company, company_params = _ids_sql(
        "contacts_account", "workspace_account_fts", ACCOUNT_COLUMNS, term
    )
    return RawSQL(
        f"{sql} UNION SELECT id FROM contacts_contact WHERE account_id IN ({company})",
        [*params, *company_params],
    )


class InIds(Lookup):
    """``lhs`` is one of the ids the subquery ``rhs`` returns."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]


def people_match(query: str, *, contact: str) -> Q | None:
    """A filter for rows about a person (``contact`` names the contact id field): every term
    matches the person or their company. None: no search."""
    terms = terms_of(query)
    if not terms:
        return None
    combined = Q()
    for term in terms:
        combined &= Q(InIds(F(contact), people_ids(term)))
    return combined


def company_match(query: str) -> Q | None:
    """A filter for accounts: every term matches the name or the domain."""
    terms = [t for t in terms_of(query) if not t.phone] or [
        Term(t.text, phone=False) for t in terms_of(query)
    ]
    if not terms:
        return None
    combined = Q()
    for term in terms:
        combined &= Q(InIds(F("pk"), account_ids(term)))
    return combined
