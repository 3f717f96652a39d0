"""Features of leads as of a snapshot time, for training and for scoring.

The snapshot of a lead is ``created_at + snapshot_days`` (never later than "now"): every
feature is computed from data that existed then, so a model never learns from what happened
after it would have had to decide. Concretely:

* touchpoint aggregates count only touches dated at or before the snapshot (SQL GROUP BY, so
  a million leads do not travel through Python one touch at a time);
* fields that sales fills in after first contact (owner, team, grade, the rule score — which
  keeps moving with later engagement) are left out unless an admin marks them safe; the stage
  is the outcome itself and is never a feature;
* custom properties carry no history, so they are taken as they are; a property that sales
  fills in later is excluded by naming it in ``FeatureConfig.exclude``.

Custom properties of any name become features; each is typed automatically (numeric when at
least ``NUMERIC_SHARE`` of its values read as numbers, categorical otherwise) and a value of the
wrong type (text in a numeric property) becomes a missing value for that lead only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from accord.core.lifecycle import Stage
from accord.scoring.json_objects import ObjectReader
from accord.tracking.models import Channel

NUMERIC = "numeric"
CATEGORICAL = "categorical"
#: A property is numeric when at least this share of its present values are numbers.
NUMERIC_SHARE = 0.9
#: Fields sales fills in after first contact: excluded unless an admin marks them safe.
POST_CONTACT_FIELDS: frozenset[str] = frozenset(
    {"lead.owner", "lead.team", "lead.grade", "lead.score"}
)
WON_STAGES = frozenset({Stage.CUSTOMER})
LOST_STAGES = frozenset({Stage.DISQUALIFIED, Stage.LOST})
_CHUNK = 50_000
#: Ids per ``IN (...)`` list (PostgreSQL takes at most 65,535 parameters per query).
_IDS_PER_QUERY = 20_000
_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class FeatureConfig:
    snapshot_days: float = 7.0
    #: Post-contact fields (see POST_CONTACT_FIELDS) that an admin has marked safe to use.
    safe_fields: tuple[str, ...] = ()
    #: Features never used (e.g. a custom property sales fills in: "lead.prop.budget").
    exclude: tuple[str, ...] = ()
    #: Features flagged as identifiers or leaks (``leaks``) that an admin keeps anyway.
    keep: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "snapshot_days": self.snapshot_days,
            "safe_fields": list(self.safe_fields),
            "exclude": list(self.exclude),
            "keep": list(self.keep),
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureConfig:
        return cls(
            snapshot_days=float(data.get("snapshot_days", 7.0)),
            safe_fields=tuple(data.get("safe_fields", ())),
            exclude=tuple(data.get("exclude", ())),
            keep=tuple(data.get("keep", ())),
        )


@dataclass(frozen=True)
class FeatureSpec:
    """The features a model was trained on, each with its type; reapplied when scoring."""

    columns: tuple[tuple[str, str], ...]
    #: Per numeric property: how many values were not numbers (treated as missing).
    invalid_values: dict[str, int] = field(default_factory=dict)

    @property
    def numeric(self) -> list[str]:
        return [name for name, kind in self.columns if kind == NUMERIC]

    @property
    def categorical(self) -> list[str]:
        return [name for name, kind in self.columns if kind == CATEGORICAL]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


@dataclass
class LeadFrame:
    """Raw features of a set of leads, with their outcomes where known."""

    lead_ids: np.ndarray
    created: np.ndarray  # datetime64[us], UTC
    outcome: np.ndarray  # 1 won, 0 lost, -1 no outcome yet
    rule_score: np.ndarray
    features: pd.DataFrame  # raw, untyped for properties
    #: How ``rule_score`` was obtained (a backtest note); "" for the stored ``lead.score``.
    rule_note: str = ""
    #: How the leads were sampled for training (``train.TrainingSample``); None: all of them.
    sample: Any = None
    #: Raw features of a sample of open leads (``leaks.late_fills`` compares fill rates).
    open_features: pd.DataFrame | None = None


# --- labels -----------------------------------------------------------------------------


def outcome_of(stage: str) -> int:
    if stage in WON_STAGES:
        return 1
    if stage in LOST_STAGES:
        return 0
    return -1


# --- reading ----------------------------------------------------------------------------

_LEAD_COLUMNS = (
    "id",
    "created_at",
    "stage",
    "score",
    "grade",
    "owner_id",
    "team_id",
    "source_channel_id",
    "source_campaign_id",
    "properties",
    "contact__email",
    "contact__phone",
    "contact__job_title",
    "contact__properties",
    "contact__account__industry",
    "contact__account__employees",
    "contact__account__country",
    "contact__account__properties",
)


def _utc_naive(values: Iterable[datetime | str]) -> np.ndarray:
    """UTC instants as numpy datetimes: from aware datetimes, or from SQLite's stored text
    ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC), which numpy parses itself."""
    return np.array(
        [
            timezone.make_naive(v, UTC) if isinstance(v, datetime) and timezone.is_aware(v) else v
            for v in values
        ],
        dtype="datetime64[us]",
    )


def _lead_rows(leads, only: np.ndarray | None) -> list[tuple]:
    """``leads.values_list(*_LEAD_COLUMNS)`` in id order, as the driver returns the values.

    Read on a plain cursor: Django's per-value converters (JSON text, datetimes) cost more
    than the query at a million leads; ``lead_frame`` converts whole columns instead.
    """
    parts = (
        [leads]
        if only is None
        else [
            leads.filter(id__in=only[start : start + _IDS_PER_QUERY].tolist())
            for start in range(0, len(only), _IDS_PER_QUERY)
        ]
    )
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for part in parts:
            sql, params = part.order_by("id").values_list(*_LEAD_COLUMNS).query.sql_with_params()
            cursor.execute(sql, params)
            rows += cursor.fetchall()
    return rows


def _properties_frame(prefix: str, dicts: list[dict], index: pd.Index) -> pd.DataFrame:
    if not any(dicts):
        return pd.DataFrame(index=index)
    frame = pd.DataFrame.from_records(dicts, index=index)
    return frame.rename(columns=lambda key: f"{prefix}{key}")


def _contact_copies_drop(lead_props: pd.DataFrame, contact_props: pd.DataFrame) -> pd.DataFrame:
    """``contact_props`` without the columns that merely repeat a lead property.

    Imports before issue 17 stored every unknown column twice (lead and contact properties),
    so the model saw each one twice and listed each reason twice. A contact property whose
    values equal the lead property of the same name wherever both are set is that copy; the
    lead's is kept (one home per property).
    """
    copies = []
    for column in contact_props.columns:
        twin = "lead.prop." + column.removeprefix("contact.prop.")
        if twin not in lead_props.columns:
            continue
        ours, theirs = contact_props[column], lead_props[twin]
        both = ours.notna() & theirs.notna()
        if (ours[both].astype(str) == theirs[both].astype(str)).all():
            copies.append(column)
    return contact_props.drop(columns=copies)


def lead_frame(
    leads, *, config: FeatureConfig, now: datetime | None = None, only: np.ndarray | None = None
) -> LeadFrame:
    """Raw features of ``leads`` (a Lead queryset) as of each lead's snapshot.

    ``only``: sorted lead ids, a subset of ``leads`` (a training sample) — only those are read.
    """
    now = now or timezone.now()
    rows = _lead_rows(leads, only)
    columns = pd.Index(range(len(rows)))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    created = _utc_naive(r[1] for r in rows)
    outcome = np.array([outcome_of(r[2]) for r in rows], dtype=np.int8)
    rule_score = np.array([r[3] or 0 for r in rows], dtype=float)
    channel_names = dict(Channel.objects.values_list("id", "slug"))

    def category(values) -> list:
        return [None if v in (None, "") else str(v).strip().lower() for v in values]

    base = pd.DataFrame(
        {
            "lead.source_channel": [channel_names.get(r[7]) for r in rows],
            "lead.source_campaign": category(r[8] for r in rows),
            "contact.email_domain": category(
                (r[10] or "").rpartition("@")[2] or None for r in rows
            ),
            "contact.has_phone": [1.0 if r[11] else 0.0 for r in rows],
            "contact.job_title": category(r[12] for r in rows),
            "account.industry": category(r[14] for r in rows),
            "account.employees": pd.array([r[15] for r in rows], dtype="Float64").astype(float),
            "account.country": category(r[16] for r in rows),
            "lead.owner": category(r[5] for r in rows),
            "lead.team": category(r[6] for r in rows),
            "lead.grade": category(r[4] for r in rows),
            "lead.score": rule_score,
        },
        index=columns,
    )
    read = ObjectReader().read
    lead_props = _properties_frame("lead.prop.", [read(r[9]) for r in rows], columns)
    contact_props = _properties_frame("contact.prop.", [read(r[13]) for r in rows], columns)
    parts = [
        base,
        lead_props,
        _contact_copies_drop(lead_props, contact_props),
        _properties_frame("account.prop.", [read(r[17]) for r in rows], columns),
        touch_aggregates(ids, created, config=config, now=now),
    ]
    features = pd.concat(parts, axis=1)
    dropped = [
        name
        for name in features.columns
        if name in config.exclude
        or (name in POST_CONTACT_FIELDS and name not in config.safe_fields)
    ]
    features = features.drop(columns=dropped)
    return LeadFrame(ids, created, outcome, rule_score, features)


# --- touchpoints --------------------------------------------------------------------------


def _touch_sql(sparse: bool = False) -> str:
    """One GROUP BY per chunk of leads: touches of the lead's contact up to its snapshot.

    ``sparse``: the chunk's ids are a small part of their id range (a training sample), so
    they are also given as a list (a JSON array on SQLite, an array on PostgreSQL) and only
    their touches are read.
    """
    if connection.vendor == "postgresql":
        epoch = "EXTRACT(EPOCH FROM t.at)"
        before_snapshot = "t.at <= l.created_at + (%s * INTERVAL '1 day') AND t.at <= %s"
        listed = "l.id = ANY(%s)"
    else:
        # Django stores SQLite datetimes as UTC text; julianday() reads it, fractions included.
        epoch = "(julianday(t.at) - 2440587.5) * 86400.0"
        before_snapshot = (
            "julianday(t.at) <= julianday(l.created_at) + %s AND julianday(t.at) <= julianday(%s)"
        )
        listed = "l.id IN (SELECT value FROM json_each(%s))"
    return (
        f"SELECT l.id, t.type, t.channel_id, COUNT(*), MIN({epoch}), MAX({epoch}) "
        "FROM contacts_lead l JOIN tracking_touchpoint t ON t.contact_id = l.contact_id "
        f"WHERE l.id BETWEEN %s AND %s {'AND ' + listed if sparse else ''} AND {before_snapshot} "
        "GROUP BY l.id, t.type, t.channel_id"
    )


def _touch_rows(ids: np.ndarray, snapshot_days: float, now: datetime) -> pd.DataFrame:
    now_param = now if connection.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    frames = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            lo, hi = int(chunk[0]), int(chunk[-1])
            sparse = len(chunk) * 2 < hi - lo + 1
            params: list = [lo, hi]
            if sparse:
                listed = chunk.tolist()
                params.append(listed if connection.vendor == "postgresql" else json.dumps(listed))
            cursor.execute(_touch_sql(sparse), [*params, snapshot_days, now_param])
            rows = cursor.fetchall()
            if rows:
                frames.append(
                    pd.DataFrame(rows, columns=["lead", "type", "channel", "n", "first", "last"])
                )
    if not frames:
        return pd.DataFrame(columns=["lead", "type", "channel", "n", "first", "last"])
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["lead"].isin(ids)]


def touch_aggregates(
    ids: np.ndarray, created: np.ndarray, *, config: FeatureConfig, now: datetime
) -> pd.DataFrame:
    """Counts by type and channel, recency, frequency and days since the first touch."""
    index = pd.RangeIndex(len(ids))
    out = pd.DataFrame({"touch.count": np.zeros(len(ids))}, index=index)
    if not len(ids):
        return out
    rows = _touch_rows(ids, config.snapshot_days, now)
    if rows.empty:
        return out.assign(
            **{
                "touch.days_since_first": np.nan,
                "touch.days_since_last": np.nan,
                "touch.per_week": 0.0,
            }
        )
    position = pd.Series(np.arange(len(ids)), index=ids)
    rows = rows.assign(pos=position.loc[rows["lead"].to_numpy()].to_numpy())
    rows["n"] = rows["n"].astype(float)
    by_type = rows.pivot_table(index="pos", columns="type", values="n", aggfunc="sum")
    by_type = by_type.rename(columns=lambda t: f"touch.type.{t}")
    slugs = dict(Channel.objects.values_list("id", "slug"))
    # Object dtype first: with no known channel in a chunk the mapped column is all-NaN
    # float64, which pandas will refuse to fill with text.
    rows["channel_slug"] = rows["channel"].map(slugs).astype(object).fillna("none")
    by_channel = rows.pivot_table(index="pos", columns="channel_slug", values="n", aggfunc="sum")
    by_channel = by_channel.rename(columns=lambda c: f"touch.channel.{c}")
    overall = rows.groupby("pos").agg(n=("n", "sum"), first=("first", "min"), last=("last", "max"))
    # The snapshot in epoch seconds: creation + N days, but never in the future.
    snapshot_us = created.astype("datetime64[us]").astype(np.int64) + int(
        config.snapshot_days * _SECONDS_PER_DAY * 1e6
    )
    now_us = np.datetime64(timezone.make_naive(now, UTC), "us").astype(np.int64)
    snapshot = np.minimum(snapshot_us, now_us) / 1e6
    count = np.zeros(len(ids))
    count[overall.index] = overall["n"].to_numpy()
    first = np.full(len(ids), np.nan)
    last = np.full(len(ids), np.nan)
    first[overall.index] = overall["first"].to_numpy(dtype=float)
    last[overall.index] = overall["last"].to_numpy(dtype=float)
    since_first = np.maximum(0.0, (snapshot - first) / _SECONDS_PER_DAY)
    out["touch.count"] = count
    out["touch.days_since_first"] = since_first
    out["touch.days_since_last"] = np.maximum(0.0, (snapshot - last) / _SECONDS_PER_DAY)
    # Touches per week over the span the lead has been active (at least one week).
    out["touch.per_week"] = count / np.maximum(1.0, np.nan_to_num(since_first) / 7.0)
    counts = pd.concat([by_type, by_channel], axis=1).reindex(index).fillna(0.0)
    return pd.concat([out, counts], axis=1)


# --- typing -------------------------------------------------------------------------------


def _number(value) -> float:
    """A number from a JSON value, or NaN: booleans and text that is not a number are not."""
    if value is None or isinstance(value, bool):
        return np.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", ".") if value.count(",") == 1 else value.strip()
        try:
            return float(text)
        except ValueError:
            return np.nan
    return np.nan


def _present(column: pd.Series) -> pd.Series:
    return column[column.map(lambda v: v is not None and v == v and v != "")]


def spec_infer(features: pd.DataFrame) -> FeatureSpec:
    """Type every column: numeric or categorical, learnt from the training leads."""
    columns: list[tuple[str, str]] = []
    invalid: dict[str, int] = {}
    for name in features.columns:
        column = features[name]
        present = _present(column)
        if present.empty or (len(present) == len(column) and present.nunique() <= 1):
            continue  # never set, or the same everywhere: nothing to learn from
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
            column.dtype
        ):
            columns.append((name, NUMERIC))
            continue
        numbers = present.map(_number)
        numeric_share = float(numbers.notna().mean())
        if numeric_share >= NUMERIC_SHARE:
            columns.append((name, NUMERIC))
            bad = int(numbers.isna().sum())
            if bad:
                invalid[name] = bad
        else:
            columns.append((name, CATEGORICAL))
    return FeatureSpec(tuple(columns), invalid)


def _category(value) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return np.nan
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def spec_apply(features: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The model's input: its columns in order, numbers as floats, categories as text.

    Per value, not per run: a value of the wrong type becomes missing for that lead; a column
    the model knows but this batch lacks is all missing.
    """
    out = {}
    for name, kind in spec.columns:
        column = features[name] if name in features else pd.Series(np.nan, index=features.index)
        if kind == NUMERIC:
            if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
                column.dtype
            ):
                out[name] = column.astype(float)
            else:
                out[name] = pd.Series(_per_text(column, _number), index=column.index, dtype=float)
        else:
            out[name] = pd.Series(_per_text(column, _category), index=column.index, dtype=object)
    return pd.DataFrame(out, index=features.index)


def _per_text(column: pd.Series, convert) -> list:
    """``convert`` of every value, computed once per distinct text (categories and numbers
    read from JSON repeat a lot); other values (numbers, None, lists) one by one, since
    1, 1.0 and True are equal keys with different answers."""
    known: dict[str, object] = {}
    out = []
    for value in column.tolist():
        if value.__class__ is str:
            found = known.get(value)
            if found is None:
                found = known[value] = convert(value)
            out.append(found)
        else:
            out.append(convert(value))
    return out
