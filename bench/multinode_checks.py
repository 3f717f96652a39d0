"""What ``bench/multinode.py`` checks after each configuration, and the latencies it prints.

Every check reads the database the nodes shared; each returns a failure line or nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def _rows(sql: str) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def _people_checks(run: dict, args) -> list[str]:
    from accord.contacts.models import Contact, Lead
    from accord.tracking.models import SubmissionFollowup, Touchpoint

    accepted = sum(1 for kind, status, *_ in run["results"] if kind == "capture" and status < 300)
    contacts = Contact.objects.filter(email__startswith="person").count()
    leads = Counter(
        Lead.objects.filter(contact__email__startswith="person").values_list(
            "contact_id", flat=True
        )
    )
    touches = set(
        Touchpoint.objects.filter(contact__email__startswith="person").values_list("pk", flat=True)
    )
    runs = Counter(
        t for (t,) in _rows("SELECT touchpoint_id FROM bench_followup_runs") if t in touches
    )
    ran_twice = sum(1 for n in runs.values() if n > 1)
    missing = len(touches - set(runs))
    left = SubmissionFollowup.objects.count()
    print(
        f"  people: {contacts} contacts, {sum(leads.values())} leads, {accepted} submissions "
        f"accepted, {len(touches)} stored; follow-ups run {sum(runs.values())} times for "
        f"{len(runs)} submissions (twice: {ran_twice}, never: {missing}, left: {left})"
    )
    failures = []
    if contacts != args.people or sum(leads.values()) != args.people:
        failures.append(f"{contacts} contacts / {sum(leads.values())} leads, not {args.people}")
    if accepted != args.submissions or len(touches) != args.submissions:
        failures.append(f"{accepted} accepted / {len(touches)} stored of {args.submissions}")
    if ran_twice or missing or left:
        failures.append(f"follow-ups: {ran_twice} twice, {missing} never, {left} left")
    return failures


def _mql_checks(run: dict, args) -> list[str]:
    from accord.contacts.models import StageTransition
    from accord.handoff.models import Assignment

    lead_ids = run["seeded"]["lead_ids"]
    mql = [r for r in run["results"] if r[0] == "mql"]
    first = sum(1 for _, status, _, _, replayed in mql if status == 201 and not replayed)
    replayed = sum(1 for _, status, _, _, again in mql if status == 201 and again)
    busy = sum(1 for _, status, *_ in mql if status == 409)
    moved = Counter(
        StageTransition.objects.filter(lead_id__in=lead_ids, to_stage="mql").values_list(
            "lead_id", flat=True
        )
    )
    assigned = list(
        Assignment.objects.filter(lead_id__in=lead_ids, to_user__isnull=False).values_list(
            "lead_id", "to_user_id"
        )
    )
    per_lead = Counter(lead for lead, _ in assigned)
    per_rep = Counter(rep for _, rep in assigned)
    other = Assignment.objects.exclude(lead_id__in=lead_ids).filter(to_user__isnull=False).count()
    print(
        f"  MQLs: {len(mql)} requests: {first} ran, {replayed} replayed, {busy} 409 in progress; "
        f"{sum(moved.values())} transitions for {len(moved)} leads; assigned per rep "
        f"{sorted(per_rep.values())} (quota {run['seeded']['quota']}); captured leads "
        f"assigned too: {other}"
    )
    failures = []
    if first != args.mqls or len(moved) != args.mqls or max(moved.values(), default=0) > 1:
        failures.append(f"MQL requests run {first}, leads moved {len(moved)}, not once each")
    if max(per_lead.values(), default=0) > 1:
        failures.append("a lead was assigned twice")
    if sorted(per_rep.values()) != [run["seeded"]["quota"]] * args.reps:
        failures.append(f"per rep {sorted(per_rep.values())}, not {run['seeded']['quota']} each")
    return failures


def _email_checks(run: dict, args) -> list[str]:
    from accord.handoff.models import Assignment, Notification

    expected = Assignment.objects.filter(to_user__isnull=False).count()
    emails = Counter(_rows("SELECT recipient, subject, body FROM bench_emails"))
    twice = sum(n - 1 for n in emails.values() if n > 1)
    pending = Notification.objects.filter(email_pending=True).count()
    assigned = Notification.objects.filter(key__startswith="assigned:").count()
    print(
        f"  e-mails: {assigned} assignment notifications, {sum(emails.values())} e-mails sent "
        f"({twice} repeated), {pending} still pending"
    )
    failures = []
    if pending or assigned != expected:
        failures.append(f"{assigned} notifications, {pending} e-mails pending")
    if twice and run["killed_at"] is None:
        failures.append(f"{twice} e-mails sent twice without a kill")
    return failures


def _schedule_checks(run: dict, args) -> list[str]:
    rows = _rows("SELECT name, due, pid FROM bench_schedule_runs")
    per_due = Counter((name, due) for name, due, _ in rows)
    twice = [key for key, n in per_due.items() if n > 1]
    names = Counter(name for name, _, _ in rows)
    pids = len({pid for *_, pid in rows})
    print(
        f"  schedules: {len(rows)} runs of {len(names)} schedules (up to "
        f"{max(names.values(), default=0)} each) by {pids} scheduler processes; "
        f"one due time run twice: {len(twice)}"
    )
    failures = [f"scheduled runs repeated: {twice[:3]}"] if twice else []
    if not rows and args.hold_seconds >= 60:  # the schedulers look every 30 s
        failures.append("no scheduled job ran at all")
    return failures


def _probe_checks(run: dict, args) -> list[str]:
    probe = run["probe"]
    print(
        f"  shared state: page events {probe['events_accepted']} accepted, "
        f"{probe['events_refused']} refused (limit {args.event_limit} per IP across nodes); "
        f"session from node 1 valid on node {run['webs']}: {probe['session_shared']}"
    )
    failures = []
    if probe["events_accepted"] != args.event_limit or probe["events_refused"] != 10:
        failures.append(f"rate limit not shared: {probe}")
    if not probe["session_shared"]:
        failures.append("a session made on one node is unknown to another")
    return failures


def checks_run(run: dict, args) -> list[str]:
    failures = []
    for check in (_people_checks, _mql_checks, _email_checks, _schedule_checks, _probe_checks):
        failures += check(run, args)
    return failures


def latencies(run: dict) -> dict[str, list[float]]:
    """Seconds: capture request; submission → follow-up done; MQL request (the routing runs
    in it); assignment → its e-mail claimed by a worker."""
    results = run["results"]
    followup = _rows(
        "SELECT EXTRACT(EPOCH FROM r.at - t.at) FROM bench_followup_runs r"
        " JOIN tracking_touchpoint t ON t.id = r.touchpoint_id"
    )
    email = _rows(
        "SELECT EXTRACT(EPOCH FROM n.emailed_at - a.at) FROM handoff_notification n"
        " JOIN handoff_assignment a ON n.key = 'assigned:' || a.id"
        " WHERE n.emailed_at IS NOT NULL"
    )
    return {
        "capture request       ": [r[3] for r in results if r[0] == "capture" and r[1] < 300],
        "submission → follow-up": [float(v) for (v,) in followup],
        "MQL request (routed)  ": [
            r[3] for r in results if r[0] == "mql" and r[1] == 201 and not r[4]
        ],
        "assigned → e-mail     ": [float(v) for (v,) in email],
    }
