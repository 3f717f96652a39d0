"""Writes of the hand-off's configuration: business calendars and agreement versions.

The agreement's life: a manager opens a draft (a copy of the active version), each side edits
its own commitments (shared terms either side), someone submits it, and it becomes active
when a marketing manager and a sales manager have both approved it; the version it replaces
is superseded. Every refusal happens before anything is written.

The active version's MQL definition is the one scoring applies: activation publishes it down
to scoring (``qualification.definition_publish``) in the same transaction, and open leads are
rescored under it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Department, Role, Team, User
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.handoff import defaults, rules
from accord.handoff.models import (
    AgreementVersion,
    BusinessCalendar,
    HandoffAgreement,
    VersionStatus,
)
from accord.scoring import qualification
from accord.scoring.selectors import mql_in_force

logger = logging.getLogger(__name__)

# ---- who may do what ---------------------------------------------------------------------


def side_of_user(user: User) -> str | None:
    """The side a manager signs the agreement for: ``marketing``, ``sales``, or None (anyone
    else, a leadership manager included: an approval is one side's signature)."""
    if user.role == Role.MANAGER and user.department in (Department.MARKETING, Department.SALES):
        return str(user.department)
    return None


def can_manage_calendars(user: User) -> bool:
    return policy.is_manager(user)


def can_edit_agreement(user: User) -> bool:
    return user.is_active and (policy.is_admin(user) or side_of_user(user) is not None)


def _edit_required(user: User) -> None:
    if not can_edit_agreement(user):
        raise PermissionDenied(
            _("Only marketing and sales managers (or administrators) change the agreement."),
            field="user",
        )


# ---- calendars ---------------------------------------------------------------------------


def _calendar_fields(
    *, name: str, time_zone: str, working_hours: Any, holidays: Any
) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the calendar a name."), field="name")
    calendar = rules.calendar_parse(
        time_zone=time_zone, working_hours=working_hours, holidays=holidays
    )
    return {
        "name": name[:120],
        "time_zone": calendar.zone.key,
        "working_hours": rules.working_hours_serialise(calendar.week),
        "holidays": sorted(day.isoformat() for day in calendar.holidays),
    }


def _team_get(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    try:
        return Team.objects.get(pk=team_id)
    except Team.DoesNotExist:
        raise InvalidInput(_("No such team."), field="team") from None


def _calendar_save(calendar: BusinessCalendar) -> BusinessCalendar:
    try:
        with transaction.atomic():
            if calendar.is_default:
                BusinessCalendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(
                    is_default=False
                )
            calendar.save()
    except IntegrityError:
        if BusinessCalendar.objects.filter(name=calendar.name).exclude(pk=calendar.pk).exists():
            raise InvalidInput(_("A calendar with this name exists."), field="name") from None
        raise InvalidInput(_("This team already has a calendar."), field="team") from None
    return calendar


def calendar_create(
    *,
    user: User,
    name: str,
    time_zone: str,
    working_hours: Any,
    holidays: Any = (),
    team_id: int | None = None,
    is_default: bool = False,
) -> BusinessCalendar:
    if not can_manage_calendars(user):
        raise PermissionDenied(_("Only managers and administrators edit calendars."))
    fields = _calendar_fields(
        name=name, time_zone=time_zone, working_hours=working_hours, holidays=list(holidays)
    )
    calendar = BusinessCalendar(**fields, team=_team_get(team_id), is_default=is_default)
    _calendar_save(calendar)
    logger.info("Calendar %s created by %s.", calendar.pk, user.pk)
    return calendar


def calendar_update(
    *,
    user: User,
    calendar_id: int,
    name: str,
    time_zone: str,
    working_hours: Any,
    holidays: Any = (),
    team_id: int | None = None,
    is_default: bool = False,
) -> BusinessCalendar:
    """Change a calendar. Clocks already running keep the deadlines they started with."""
    if not can_manage_calendars(user):
        raise PermissionDenied(_("Only managers and administrators edit calendars."))
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No such calendar."), field="calendar")
    fields = _calendar_fields(
        name=name, time_zone=time_zone, working_hours=working_hours, holidays=list(holidays)
    )
    for key, value in fields.items():
        setattr(calendar, key, value)
    calendar.team = _team_get(team_id)
    calendar.is_default = is_default
    _calendar_save(calendar)
    logger.info("Calendar %s updated by %s.", calendar.pk, user.pk)
    return calendar


# ---- agreement versions ------------------------------------------------------------------


def _version_locked(version_id: int) -> AgreementVersion:
    version = (
        AgreementVersion.objects.select_for_update()
        .select_related("agreement")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotFound(_("No such agreement version."), field="version")
    return version


def agreement_draft_create(
    *, user: User, agreement_id: int | None = None, note: str = ""
) -> AgreementVersion:
    """Open a new version, a copy of the active one; one open version at a time."""
    _edit_required(user)
    with transaction.atomic():
        agreements = HandoffAgreement.objects.select_for_update().order_by("pk")
        agreement = (
            agreements.filter(pk=agreement_id).first() if agreement_id else agreements.first()
        )
        if agreement is None:
            raise NotFound(_("No such agreement."), field="agreement")
        versions = agreement.versions.all()
        open_version = versions.filter(
            status__in=[VersionStatus.DRAFT, VersionStatus.PENDING]
        ).first()
        if open_version is not None:
            raise InvalidInput(
                _("Version %(number)s is still open; finish or withdraw it first.")
                % {"number": open_version.number},
                field="agreement",
            )
        base = versions.filter(status=VersionStatus.ACTIVE).first()
        number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = AgreementVersion.objects.create(
            agreement=agreement,
            number=number,
            status=VersionStatus.DRAFT,
            content=base.content if base else {},
            based_on=base,
            note=note.strip(),
            created_by=user,
        )
    logger.info("Agreement %s draft v%s opened by %s.", agreement.pk, number, user.pk)
    return version


def agreement_draft_edit(
    *, user: User, version_id: int, content: Any, note: str | None = None
) -> list[rules.Change]:
    """Replace a draft's content; return what changed.

    The content must be valid, and the editor may change only their side's commitments and the
    shared terms: a sales manager cannot move marketing's targets, nor the reverse.
    """
    _edit_required(user)
    normalised = rules.agreement_content_validate(content)
    terms_check(normalised)
    with transaction.atomic():
        version = _version_locked(version_id)
        if version.status != VersionStatus.DRAFT:
            raise InvalidInput(_("Only a draft can be edited."), field="version")
        changes = rules.version_diff(version.content, normalised)
        forbidden = rules.paths_forbidden(changes, side=side_of_user(user))
        if forbidden:
            raise PermissionDenied(
                _("%(path)s belongs to the other side's commitments; they change it.")
                % {"path": forbidden[0]},
                field=forbidden[0],
            )
        version.content = normalised
        if note is not None:
            version.note = note.strip()
        version.save(update_fields=["content", "note"])
    logger.info("Agreement version %s edited by %s: %s changes.", version_id, user.pk, len(changes))
    return changes


def agreement_submit(*, user: User, version_id: int) -> AgreementVersion:
    """Send a draft for approval; its content is frozen from now on."""
    _edit_required(user)
    with transaction.atomic():
        version = _version_locked(version_id)
        if version.status != VersionStatus.DRAFT:
            raise InvalidInput(_("Only a draft can be submitted."), field="version")
        terms_check(rules.agreement_content_validate(version.content))
        version.status = VersionStatus.PENDING
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "submitted_at"])
    logger.info("Agreement version %s submitted by %s.", version_id, user.pk)
    return version


def agreement_withdraw(*, user: User, version_id: int) -> AgreementVersion:
    """Return a pending version to draft; approvals given so far are dropped."""
    _edit_required(user)
    with transaction.atomic():
        version = _version_locked(version_id)
        if version.status != VersionStatus.PENDING:
            raise InvalidInput(_("Only a version awaiting approval can be withdrawn."))
        version.status = VersionStatus.DRAFT
        version.submitted_at = None
        version.marketing_approved_by = version.sales_approved_by = None
        version.marketing_approved_at = version.sales_approved_at = None
        version.save()
    logger.info("Agreement version %s withdrawn by %s.", version_id, user.pk)
    return version


def agreement_approve(*, user: User, version_id: int) -> AgreementVersion:
    """Record the approval of the user's side; with both, activate the version.

    Only a marketing manager approves for marketing and a sales manager for sales; anyone
    else is refused and nothing is written.
    """
    side = side_of_user(user)
    if side is None or not user.is_active:
        raise PermissionDenied(
            _("Only a marketing manager or a sales manager can approve the agreement."),
            field="user",
        )
    now = timezone.now()
    with transaction.atomic():
        version = _version_locked(version_id)
        if version.status != VersionStatus.PENDING:
            raise InvalidInput(_("Only a version awaiting approval can be approved."))
        if getattr(version, f"{side}_approved_by_id") is not None:
            raise InvalidInput(_("Your side has already approved this version."))
        # Dual approval means two people: a manager moved to the other department since
        # signing one side must not sign the other too.
        if user.pk in (version.marketing_approved_by_id, version.sales_approved_by_id):
            raise PermissionDenied(
                _("The other side's approval must come from another person."), field="user"
            )
        setattr(version, f"{side}_approved_by", user)
        setattr(version, f"{side}_approved_at", now)
        if version.marketing_approved_by_id and version.sales_approved_by_id:
            AgreementVersion.objects.filter(
                agreement=version.agreement, status=VersionStatus.ACTIVE
            ).update(status=VersionStatus.SUPERSEDED, superseded_at=now)
            version.status = VersionStatus.ACTIVE
            version.activated_at = now
            _terms_publish(version, actor=user)
        version.save()
    logger.info("Agreement version %s approved for %s by %s.", version_id, side, user.pk)
    return version


def terms_check(content: dict[str, Any]) -> None:
    """Refuse an MQL definition no lead could meet under the active scoring profile."""
    problems = qualification.terms_problems(qualification.Terms.of(content["mql_definition"]))
    if problems:
        raise InvalidInput(problems[0].message, field=problems[0].field)


def _terms_publish(version: AgreementVersion, *, actor: User | None) -> None:
    qualification.definition_publish(
        terms=qualification.Terms.of(version.content["mql_definition"]),
        agreement_version=version.number,
        actor=actor,
    )


def defaults_ensure() -> AgreementVersion:
    """Make sure a default calendar and an active agreement exist; return the active version.

    The data migration seeds both on install; this puts them back where they are missing (a
    database emptied by tests, a reset demo) and changes nothing where they exist.
    """

    with transaction.atomic():
        if not BusinessCalendar.objects.filter(is_default=True).exists():
            BusinessCalendar.objects.get_or_create(
                name=defaults.CALENDAR_NAME,
                defaults={
                    "time_zone": "UTC",
                    "working_hours": defaults.WORKING_HOURS,
                    "is_default": True,
                },
            )
        agreement, _created = HandoffAgreement.objects.get_or_create(name=defaults.AGREEMENT_NAME)
        active = agreement.versions.filter(status=VersionStatus.ACTIVE).first()
        if active is None:
            now = timezone.now()
            number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            active = AgreementVersion.objects.create(
                agreement=agreement, number=number, status=VersionStatus.ACTIVE,
                content=defaults.CONTENT, note="Default agreement.", submitted_at=now,
                activated_at=now,
            )  # fmt: skip
        if mql_in_force() is None:
            _terms_publish(active, actor=None)
    return active
