"""A submission from a person not seen before, written as plain rows.

Most submissions come from new people. Through the ORM services (``contact_upsert``,
``lead_open_or_create``, ``touchpoint_record``) such a submission builds four model instances
and adapts every field of every INSERT one by one: over half of the CPU a submission costs.
Here the same rows are written from tuples (``RowShape``):

* the contact is inserted with ``ON CONFLICT DO NOTHING``: a unique email or phone that is
  already taken (a known person, or one whose concurrent submission committed first) makes
  it write nothing and return ``None``, and the caller takes the general path. No SELECT
  first and no savepoint, and the database's unique indexes still decide every race;
* the lead, its creation ``StageTransition`` and the form touch follow. On PostgreSQL
  they are one statement (data-modifying CTEs): two round trips instead of five. The
  contact stays a statement of its own so that a known person costs one small failed
  INSERT, not a large one. SQLite runs the INSERTs one by one (it has no data-modifying
  CTEs, and its statements cost no round trip).

The rows are the ones the services write (``test_capture_rows`` compares them field by
field). The ``lead.created`` webhook event is still emitted through its service, but only
when an active endpoint exists: the check rides along with the inserts. Keep this in step
with ``contacts.services._lead_insert`` and ``tracking.services.touchpoint_record``: a side
effect added there (an event, a job) must be added here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from accord.contacts.models import Contact, Lead, StageTransition
from accord.core.events import LeadCreated
from accord.core.hooks import emit
from accord.core.lifecycle import INITIAL_STAGE
from accord.core.prepared import RowShape, statement_cursor
from accord.tracking.inputs import Utm
from accord.tracking.models import Touchpoint, TouchType

UTM_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

_CONTACT = RowShape(
    Contact,
    (
        "email", "phone", "first_name", "last_name", "job_title", "properties",
        "created_at", "updated_at",
    ),
)  # fmt: skip
_LEAD = RowShape(
    Lead,
    (
        "contact_id", "stage", "stage_changed_at", "created_at", "updated_at",
        "source_channel_id", "source_campaign_id", "properties",
    ),
)  # fmt: skip
_TRANSITION = RowShape(StageTransition, ("lead_id", "from_stage", "to_stage", "at"))
_TOUCH = RowShape(
    Touchpoint,
    (
        "contact_id", "lead_id", "at", "type", "visitor_id", "channel_id", "campaign_id",
        *UTM_COLUMNS, "url", "referrer",
    ),
)  # fmt: skip
_SHAPES = (_CONTACT, _LEAD, _TRANSITION, _TOUCH)


@dataclass(frozen=True)
class NewPerson:
    """The values of a new person's rows; ids are filled in by the database."""

    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    job_title: str
    contact_properties: dict[str, Any]
    lead_properties: dict[str, Any]
    source_channel_id: int | None
    source_campaign_id: int | None
    at: datetime
    visitor_id: str
    channel_id: int | None
    campaign_id: int | None
    utm: Utm
    url: str
    referrer: str


@dataclass(frozen=True)
class NewPersonIds:
    contact_id: int
    lead_id: int
    touchpoint_id: int


def rows_usable() -> bool:
    """Whether this database and configuration allow the plain-row path at all."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False  # ON CONFLICT ... RETURNING is what both of these have
    # A save receiver expects to see every row written; the ORM path sends the signals.
    return not any(shape.has_save_receivers() for shape in _SHAPES)


def new_person_write(person: NewPerson) -> NewPersonIds | None:
    """Insert the contact, its lead and the form touch; ``None`` (nothing written) when the
    email or phone already belongs to a contact. Call inside the submission's transaction."""
    now = timezone.now()  # the auto_now columns, as save() would set them
    contact = (
        person.email, person.phone, person.first_name, person.last_name, person.job_title,
        person.contact_properties, person.at, now,
    )  # fmt: skip
    with statement_cursor(connection) as cursor:
        cursor.execute(
            _CONTACT.insert_sql(connection, ignore_conflicts=True),
            _CONTACT.params(contact, connection),
        )
        row = cursor.fetchone()
        if row is None:
            return None  # a known email or phone: nothing written
        contact_id = row[0]
        journey = _journey_one_statement if connection.vendor == "postgresql" else _journey_each
        lead_id, touch_id = journey(cursor, person, contact_id, now)
    # The id only: a subscriber that needs the row reads it (webhooks, when one listens).
    emit(LeadCreated(lead_id=lead_id))
    return NewPersonIds(contact_id, lead_id, touch_id)


def _lead_values(person: NewPerson, contact_id: int, now: datetime) -> tuple:
    return (
        contact_id, INITIAL_STAGE, person.at, person.at, now,
        person.source_channel_id, person.source_campaign_id, person.lead_properties,
    )  # fmt: skip


def _transition_values(person: NewPerson, lead_id: int | None) -> tuple:
    return (lead_id, "", INITIAL_STAGE, person.at)


def _touch_values(person: NewPerson, contact_id: int, lead_id: int | None) -> tuple:
    return (
        contact_id, lead_id, person.at, TouchType.FORM_SUBMISSION, person.visitor_id,
        person.channel_id, person.campaign_id,
        *(person.utm.get(name, "") for name in UTM_COLUMNS),
        person.url, person.referrer,
    )  # fmt: skip


def _journey_each(
    cursor: Any, person: NewPerson, contact_id: int, now: datetime
) -> tuple[int, int]:
    cursor.execute(
        _LEAD.insert_sql(connection),
        _LEAD.params(_lead_values(person, contact_id, now), connection),
    )
    lead_id = cursor.fetchone()[0]
    cursor.execute(
        _TRANSITION.insert_sql(connection, returning=False),
        _TRANSITION.params(_transition_values(person, lead_id), connection),
    )
    cursor.execute(
        _TOUCH.insert_sql(connection),
        _TOUCH.params(_touch_values(person, contact_id, lead_id), connection),
    )
    return lead_id, cursor.fetchone()[0]


def _journey_one_statement(
    cursor: Any, person: NewPerson, contact_id: int, now: datetime
) -> tuple[int, int]:
    """PostgreSQL: the lead, its transition and the touch in one round trip; the transition
    and the touch take the new lead's id from the ``new_lead`` CTE (``None`` stands for it
    among the values)."""
    cursor.execute(
        _one_statement_sql(connection),
        [
            *_LEAD.params(_lead_values(person, contact_id, now), connection),
            *_TRANSITION.params(
                _transition_values(person, None), connection, linked=_TRANSITION_LINKED
            ),
            *_TOUCH.params(
                _touch_values(person, contact_id, None), connection, linked=_TOUCH_LINKED
            ),
        ],
    )
    lead_id, touch_id = cursor.fetchone()
    return lead_id, touch_id


_TRANSITION_LINKED = {"lead_id": "new_lead.id"}
_TOUCH_LINKED = {"lead_id": "new_lead.id"}
_sql_cache: dict[str, str] = {}


def _one_statement_sql(conn: Any) -> str:
    sql = _sql_cache.get("postgresql")
    if sql is None:

        def insert_select(shape: RowShape, linked: dict[str, str]) -> str:
            return (
                f"INSERT INTO {shape.table(conn)} ({shape.columns(conn)}) "
                f"SELECT {shape.values(conn, linked)} FROM new_lead"
            )

        sql = _sql_cache["postgresql"] = (
            f"WITH new_lead AS ({_LEAD.insert_sql(conn)}), "
            f"new_transition AS ({insert_select(_TRANSITION, _TRANSITION_LINKED)}), "
            f"new_touch AS ({insert_select(_TOUCH, _TOUCH_LINKED)} RETURNING id) "
            "SELECT new_lead.id, new_touch.id FROM new_lead, new_touch"
        )
    return sql
