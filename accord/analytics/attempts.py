"""Running a report for a page, and turning its refusals into what the page shows.

Every report page (the generic ones, the forecast, the promotions) reads the same three
outcomes besides a result: no analytics copy yet (the page explains how to build one), bad
input that belongs to one of the filter form's fields (shown on that field), and any other
refusal (a message above the page). One place, so the pages cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms

from accord.analytics.engine import AnalyticsBusy, AnalyticsNotReady
from accord.core.errors import DomainError, InvalidInput

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    #: The result, or None when the report was refused (or the form was invalid).
    value: T | None = None
    #: A message for the page: a refusal that names none of the form's fields.
    error: str | None = None
    #: True when there is no analytics copy yet.
    not_ready: bool = False


def report_attempt(form: forms.Form, run: Callable[[], T]) -> Attempt[T]:
    """``run()`` if ``form`` is valid; its refusals as the page shows them (a field's
    error is added to ``form``)."""
    if not form.is_valid():
        return Attempt()
    try:
        return Attempt(run())
    except AnalyticsNotReady:
        return Attempt(not_ready=True)
    except InvalidInput as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, str(exc))
            return Attempt()
        return Attempt(error=str(exc))
    except (AnalyticsBusy, DomainError) as exc:
        return Attempt(error=str(exc))
