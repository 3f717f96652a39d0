"""Pure rules of personal data: hashes, URL scrubbing, payload masking, incident timers."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

#: 152-FZ: the regulator hears of a breach within 24 hours, and of its investigation within 72.
REPORT_WITHIN = timedelta(hours=24)
FOLLOW_UP_WITHIN = timedelta(hours=72)
#: A timer is "close" (admins are reminded) this long before it runs out.
REMIND_BEFORE = timedelta(hours=6)

ERASED = "[erased]"
MASKED = "[masked]"


def text_sha256(text: str) -> str:
    """The SHA-256 of the exact text (UTF-8 bytes, nothing normalised: what was shown)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def identity_digest(*, kind: str, value: str, salt: bytes) -> str:
    """A salted (HMAC-SHA-256) hash of a normalised e-mail or E.164 phone.

    Salted so that the list cannot be reversed by hashing a list of known addresses without
    the installation's secret."""
    normalised = value.strip().lower() if kind == "email" else value.strip()
    return hmac.new(salt, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def url_scrub(url: str) -> str:
    """The URL without its query string and fragment (where forms and trackers put e-mails,
    names and tokens); the path, which reports group by, stays."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query and not parts.fragment:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def values_mask(data: Any, secrets: Iterable[str], replacement: str = ERASED) -> Any:
    """``data`` (parsed JSON) with every string equal to, or containing, one of ``secrets``
    replaced; structure and other values unchanged."""
    needles = [s for s in secrets if s and len(s) >= 3]
    if not needles:
        return data

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and any(n.lower() in value.lower() for n in needles):
            return replacement
        return value

    return walk(data)


PERSON_FIELDS = ("email", "phone", "first_name", "last_name")


def person_mask(data: dict[str, Any]) -> dict[str, Any]:
    """A contact's payload with the personal fields masked (no transfer consent)."""
    return {k: (MASKED if k in PERSON_FIELDS and v else v) for k, v in data.items()}


def incident_deadlines(detected_at: datetime) -> tuple[datetime, datetime]:
    return detected_at + REPORT_WITHIN, detected_at + FOLLOW_UP_WITHIN


def incident_timer_state(
    *, detected_at: datetime, done_at: datetime | None, within: timedelta, now: datetime
) -> str:
    """ "done", "overdue", "due_soon" or "running" for one of the two timers."""
    if done_at is not None:
        return "done" if done_at <= detected_at + within else "done_late"
    due = detected_at + within
    if now > due:
        return "overdue"
    if now >= due - REMIND_BEFORE:
        return "due_soon"
    return "running"
