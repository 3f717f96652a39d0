"""400 MQLs routed at once by 8 concurrent workers over 4 equal reps: exactly 100 each,
whether routed by the routing service directly or inside the moves to MQL themselves.

Each thread has its own database connection, so this is real concurrency: on PostgreSQL the
team's cursor row lock serialises the choice; on SQLite the IMMEDIATE transactions do (the
others wait on the busy timeout). Without the lock, two routings would read the same loads
and give two leads to the same "next" rep.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from accord.contacts.models import Lead
from accord.handoff.models import Assignment, RoutingCursor
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_leads_bulk, team_with_reps

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = 400
WORKERS = 8


def test_400_mqls_over_4_equal_reps_concurrently_give_exactly_100_each():
    team, reps = team_with_reps(reps=4)  # daily quota 100 each: exactly the share
    lead_ids = mql_leads_bulk(LEADS)
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(share: list[int]) -> None:
        try:
            start.wait()
            for lead_id in share:
                lead_route(lead_id=lead_id)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # Overlapping shares: every lead is offered to two workers at once, so double routing of
    # one lead would show too.
    shares = [lead_ids[n::WORKERS] + lead_ids[(n + 1) % WORKERS :: WORKERS] for n in range(WORKERS)]
    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    owners = Counter(Lead.objects.filter(pk__in=lead_ids).values_list("owner_id", flat=True))
    assert owners == {rep.pk: 100 for rep in reps}  # none unassigned (no None key)
    assigned = Counter(
        Assignment.objects.filter(to_user__isnull=False).values_list("lead_id", flat=True)
    )
    assert len(assigned) == LEADS and set(assigned.values()) == {1}  # none twice
    assert RoutingCursor.objects.get(team=team).assigned_count == LEADS


def test_400_leads_becoming_mql_at_once_are_routed_in_their_own_transactions_100_each():
    """The same through the lifecycle: each move to MQL routes inside its transaction."""
    from django.utils import timezone

    from accord.contacts.models import Contact, StageTransition
    from accord.contacts.services import lead_transition

    _, reps = team_with_reps(reps=4)
    past = timezone.now() - timezone.timedelta(minutes=5)
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"mql{n}@example.com") for n in range(LEADS)]
    )
    leads = Lead.objects.bulk_create(
        [Lead(contact=c, created_at=past, stage_changed_at=past) for c in contacts]
    )
    StageTransition.objects.bulk_create(
        [StageTransition(lead=lead, from_stage="", to_stage="lead", at=past) for lead in leads]
    )
    lead_ids = [lead.pk for lead in leads]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(share: list[int]) -> None:
        try:
            start.wait()
            for lead_id in share:
                lead_transition(lead_id=lead_id, to_stage="mql")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(lead_ids[n::WORKERS],)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    owners = Counter(Lead.objects.filter(pk__in=lead_ids).values_list("owner_id", flat=True))
    assert owners == {rep.pk: 100 for rep in reps}
    assigned = Counter(
        Assignment.objects.filter(to_user__isnull=False).values_list("lead_id", flat=True)
    )
    assert len(assigned) == LEADS and set(assigned.values()) == {1}
