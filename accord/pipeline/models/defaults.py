"""The default pipeline and lost reasons, as plain data.

Read by the seed that creates them where they are missing (a fresh or flushed database) and
copied by the data migration ``0004_default_pipeline`` (a migration keeps its own copy).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

DEFAULT_PIPELINE_KEY = "new_business"
DEFAULT_PIPELINE_NAME = "New business"
#: The reserved stage keys every pipeline has; ``deal.stage == "won"`` holds in any pipeline.
WON = "won"
LOST = "lost"
CLOSED_STAGES = (WON, LOST)


class StageSeed(NamedTuple):
    key: str
    name: str
    probability: Decimal
    forecast_category: str
    outcome: str


DEFAULT_STAGES: tuple[StageSeed, ...] = (
    StageSeed("qualification", "Qualification", Decimal("0.100"), "pipeline", "open"),
    StageSeed("discovery", "Discovery", Decimal("0.200"), "pipeline", "open"),
    StageSeed("proposal", "Proposal", Decimal("0.500"), "best_case", "open"),
    StageSeed("negotiation", "Negotiation", Decimal("0.750"), "commit", "open"),
    StageSeed(WON, "Won", Decimal("1.000"), "closed", "won"),
    StageSeed(LOST, "Lost", Decimal("0.000"), "omitted", "lost"),
)

#: (key, label) of the lost reasons a new installation starts with (the old fixed choices).
DEFAULT_LOST_REASONS: tuple[tuple[str, str], ...] = (
    ("price", "Price"),
    ("competitor", "Chose a competitor"),
    ("no_budget", "No budget"),
    ("no_decision", "No decision / went dark"),
    ("timing", "Bad timing"),
    ("features", "Missing features"),
)
