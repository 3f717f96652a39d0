"""Finding the row an endpoint names: one id path parameter, one "the row or 404".

Every app's endpoints used to spell these out: the path parameter (ids from 1 up to the
largest id a JSON client can hold) and a "filter by id, first, or raise" block per model. A
queryset may be narrowed first (the rows a rep sees), so the same helper answers 404 for a
row that exists but is someone else's — no existence leaks.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Path

from accord.api.schemas import MAX_ID
from accord.core.errors import InvalidInput, NotFound

M = TypeVar("M", bound=Model)

#: The id in a path (``/deals/{deal_id}``): ninja answers 422 outside 1..MAX_ID.
IdPath: Any = Path(..., ge=1, le=MAX_ID)


def row_or_404(rows: type[M] | QuerySet[M], pk: int, *, label: str, field: str = "id") -> M:
    """The row with id ``pk`` among ``rows`` (a model, or a queryset narrowed to what the
    caller may see), else ``NotFound`` ("<label> <pk> does not exist.", naming ``field``)."""
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound(f"{label} {pk} does not exist.", field=field)
    return row


def row_named(rows: type[M] | QuerySet[M], pk: int, *, label: str, field: str) -> M:
    """``row_or_404`` for an id in a request body: an unknown one is the client's mistake
    in that field (``InvalidInput``), not a missing page."""
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"{label} {pk} does not exist.", field=field)
    return row
