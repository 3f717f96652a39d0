"""Whitelisted sort keys of the list pages: a column header's key → the ordering it means."""

from __future__ import annotations

LEAD_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("contact__last_name", "contact__first_name"),
    "stage": ("stage",),
    "score": ("score",),
    "grade": ("grade",),
    "owner": ("owner__username",),
    "created": ("created_at",),
    "changed": ("stage_changed_at",),
}
CONTACT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("last_name", "first_name"),
    "email": ("email",),
    "company": ("account__name",),
    "created": ("created_at",),
}
ACCOUNT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "domain": ("domain",),
    "industry": ("industry",),
    "employees": ("employees",),
    "created": ("created_at",),
}
DEAL_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "account": ("account__name",),
    "stage": ("stage",),
    "amount": ("amount",),
    "owner": ("owner__username",),
    "close": ("expected_close",),
    "created": ("created_at",),
}
DEFAULT_SORT = "-created"


def ordering(
    sort: str, sorts: dict[str, tuple[str, ...]], default: str = DEFAULT_SORT
) -> list[str]:
    """``"-score"`` → ``["-score", "-id"]``; an unknown key sorts by ``default``."""
    key = sort.lstrip("-")
    if key not in sorts:
        sort, key = default, default.lstrip("-")
    sign = "-" if sort.startswith("-") else ""
    return [f"{sign}{field}" for field in sorts[key]] + [f"{sign}id"]


def header_sort(current: str, key: str) -> str:
    """The sort a column header links to: its key, reversed when it is already the sort."""
    if current == key:
        return f"-{key}"
    return key


def sort_state(current: str, key: str) -> str:
    """aria-sort of a column: ascending, descending or none."""
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"
