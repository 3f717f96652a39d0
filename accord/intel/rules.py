"""Pure rules of the feed: who is mentioned in a text, how fresh a battlecard is, the win
rate against a competitor, and which reminder window a pending acknowledgement is in."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# ``@username``: Django's usernames are letters, digits and @.+-_; a mention ends at a
# space or punctuation, and a trailing dot (end of a sentence) is not part of the name. An
# e-mail address (a word character before the @) is no mention.
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def mentioned_usernames(text: str) -> list[str]:
    """The usernames ``text`` mentions, in order, each once (case kept as written)."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".-+")
        if name and name.lower() not in {key.lower() for key in seen}:
            seen[name] = None
    return list(seen)


def days_since(moment: datetime | None, now: datetime) -> int | None:
    """Whole days from ``moment`` to ``now`` (None: never)."""
    if moment is None:
        return None
    return max(0, (now - moment).days)


#: A battlecard older than this many days is shown as stale.
STALE_AFTER_DAYS = 30


def win_rate(won: int, lost: int) -> float | None:
    """Share of closed deals won (None when none closed)."""
    closed = won + lost
    return None if closed == 0 else won / closed


def reminder_window(asked_at: datetime, now: datetime, interval: timedelta) -> int:
    """Which reminder is due: 0 before one interval has passed, then 1, 2, … — one
    reminder per window, so a sweep run many times in a window reminds once."""
    if interval <= timedelta(0):
        raise ValueError("The reminder interval must be positive.")
    if now <= asked_at:
        return 0
    return int((now - asked_at) / interval)
