"""Which leads count in the reps' SLA statistics: every real lead, and a test lead (the
mystery shopper's, ``contacts.Lead.is_test``) only when some audit of it says so
(``quality.Audit.counts_in_sla``).

The rule is written here once and read by every SLA figure: the hand-off's queue health, the
weekly digest's breaches and the analytics copy (the reps and speed-to-lead reports per rep
or team). The audits live in ``quality``, an app above this one, so ``quality`` supplies the
counted test leads (``counted_tests_provide``, registered in ``accord.wiring``); until it
does, no test lead counts (the safe side: a test lead never inflates a rep's figures by
default). Work lists (a rep's inbox, the manager's breaches to act on) are not statistics:
a test lead is worked like any other and stays in them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet

from accord.contacts.models import Lead

#: Returns the ids of the test leads that count (a ``values("lead_id")``-like queryset).
CountedTests = Callable[[], QuerySet]

_provider: CountedTests | None = None


def counted_tests_provide(provider: CountedTests) -> None:
    """Name the supplier of counted test leads (``accord.wiring`` does, once)."""
    global _provider
    _provider = provider


def counts_in_sla(*, is_test: bool, audits_count_it: Iterable[bool]) -> bool:
    """The rule on one lead: a real lead always counts; a test lead iff some audit of it
    says it counts in the rep's SLA statistics."""
    return not is_test or any(audits_count_it)


def counted_test_lead_ids() -> QuerySet:
    """The ids of the test leads that count, as a subquery (a single ``lead_id`` column)."""
    if _provider is None:
        return Lead.objects.none().values("pk")
    return _provider()


def counted_test_ids() -> list[int]:
    """The same ids as a sorted list (the analytics sync reads these leads by id)."""
    return sorted({next(iter(row.values())) for row in counted_test_lead_ids()} - {None})


def in_sla_statistics(lead: str = "lead") -> Q:
    """The rule as a filter on rows that belong to a lead through ``lead`` (a foreign key;
    ``""`` filters leads themselves): rows of real leads and of counted test leads."""
    if not lead:
        return Q(is_test=False) | Q(pk__in=counted_test_lead_ids())
    return Q(**{f"{lead}__is_test": False}) | Q(**{f"{lead}_id__in": counted_test_lead_ids()})
