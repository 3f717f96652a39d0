"""The plain data scoring rules work on: touches, rules, profiles, thresholds, the MQL
definition, and the breakdown a score comes with (``accord.scoring.rules`` computes them)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

# --- Plain data -----------------------------------------------------------------------------


class Touch(NamedTuple):
    """One touchpoint as scoring sees it (``channel`` is the channel's slug)."""

    id: int
    at: datetime
    type: str
    channel: str
    campaign: str
    url: str


@dataclass(frozen=True)
class TouchMatch:
    """Which touches a rule counts; an empty criterion matches anything."""

    touch_type: str = ""
    channel: str = ""
    campaign: str = ""
    url_pattern: str = ""

    def matches(self, touch: Touch) -> bool:
        if self.touch_type and touch.type != self.touch_type:
            return False
        if self.channel and touch.channel != self.channel:
            return False
        if self.campaign and (touch.campaign or "").casefold() != self.campaign.casefold():
            return False
        return not self.url_pattern or url_matches(self.url_pattern, touch.url)

    def describe(self) -> str:
        parts = [
            f"{name}={value}"
            for name, value in (
                ("type", self.touch_type),
                ("channel", self.channel),
                ("campaign", self.campaign),
                ("url", self.url_pattern),
            )
            if value
        ]
        return ", ".join(parts) or "any touch"


@dataclass(frozen=True)
class FitRule:
    id: int
    name: str
    field: str
    operator: str
    value: Any
    points: int


@dataclass(frozen=True)
class EngagementRule:
    id: int
    name: str
    match: TouchMatch
    points: int
    cap: int | None = None
    #: None: the profile's half-life.
    half_life_days: float | None = None


@dataclass(frozen=True)
class FastTrackRule:
    id: int
    name: str
    match: TouchMatch
    min_count: int = 1
    #: None: any time in the journey.
    within_days: float | None = None


@dataclass(frozen=True)
class GradeThresholds:
    """Minimum fit points for grades A, B and C (below C: D)."""

    a: int
    b: int
    c: int


@dataclass(frozen=True)
class MqlDefinition:
    min_score: int
    min_grade: str = ""  # "" means any grade
    required_fields: tuple[str, ...] = ()
    fast_track: bool = True
    version: int = 1


@dataclass(frozen=True)
class Profile:
    fit: tuple[FitRule, ...]
    engagement: tuple[EngagementRule, ...]
    fast_track: tuple[FastTrackRule, ...]
    thresholds: GradeThresholds
    mql: MqlDefinition
    #: None: no decay.
    half_life_days: float | None = 30.0


@dataclass(frozen=True)
class Contribution:
    """One reason for a score: a rule, its points, and the property or touch behind them."""

    rule_id: int
    rule_name: str
    kind: str
    hundredths: int
    source: str  # "property" or "touchpoint"
    ref: str  # the property's path, or the touchpoint's id
    detail: str = ""

    @property
    def points(self) -> float:
        return self.hundredths / 100


@dataclass(frozen=True)
class FastTrackHit:
    rule_id: int
    rule_name: str
    touch_ids: tuple[int, ...]


@dataclass(frozen=True)
class ScoreBreakdown:
    contributions: tuple[Contribution, ...]
    grade: str
    fast_track: tuple[FastTrackHit, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def total_hundredths(self) -> int:
        return sum(c.hundredths for c in self.contributions)

    @property
    def score(self) -> int:
        return round_half_up(self.total_hundredths)

    @property
    def fit_hundredths(self) -> int:
        return sum(c.hundredths for c in self.contributions if c.kind == "fit")

    @property
    def engagement_hundredths(self) -> int:
        return sum(c.hundredths for c in self.contributions if c.kind == "engagement")


@dataclass(frozen=True)
class MqlDecision:
    criterion: str  # "fast_track" or "score_and_grade"
    rule_id: int | None = None
    rule_name: str = ""


def round_half_up(hundredths: int) -> int:
    """Whole points from hundredths, halves rounded up (floor division keeps negatives right)."""
    return (hundredths + 50) // 100


def url_path(url: str) -> str:
    if not url:
        return ""
    if "://" not in url and not url.startswith("/"):
        return "/" + url
    return urlsplit(url).path or "/"


def url_matches(pattern: str, url: str) -> bool:
    """``/pricing`` matches that page and the pages under it; ``*`` is a wildcard (glob)."""
    path = url_path(url).casefold()
    if not path:
        return False
    pattern = pattern.strip().casefold()
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    base = pattern.rstrip("/")
    return path in (pattern, base) or path.startswith(base + "/")
