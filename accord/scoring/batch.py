"""Batch rescoring: every lead's rule score computed in bulk, equal to the pure rules.

``rules.breakdown_compute`` is the specification; this module gives the same score, grade,
contributions (with the touch behind each), fast-track hits and warnings for a million leads
without a ``Touch``, a ``Contribution`` or a model instance per row:

* touches are read by one scan of the touchpoint table (split by id range over worker
  processes), narrowed in SQL to those some rule could match (a superset: the rules' own
  matching decides, once per distinct touch signature) and kept as numpy columns;
* decay, caps and fast-track windows are computed per rule over whole chunks of leads with
  numpy, with the same floating-point operations as the rules (see ``_decayed``);
* fit results are remembered per rule and value, so the same job title is judged once;
* the breakdown JSON is assembled from pieces encoded once per rule (and per touch signature
  and day): the text ``json.dumps`` would give;
* rows are written per chunk with one prepared ``INSERT ... ON CONFLICT`` (SQLite) or a
  ``COPY`` into a temporary table and one upsert (PostgreSQL) — see ``batch_write``.

Leads that meet the MQL definition are few; when ``qualify`` is set they go through
``services.leads_rescore``, which moves them to MQL once.
"""

from __future__ import annotations

import json
import math
import multiprocessing
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, connections
from django.utils import timezone

from accord.scoring import rules, selectors, services
from accord.scoring.batch_read import (
    PARALLEL_FROM,
    Touches,
    epoch_us_of,
    facts_read,
    touches_read,
)
from accord.scoring.batch_sql import (
    lead_ids_query,
    touch_id_bounds,
)
from accord.scoring.batch_write import ScoredRow, rows_prepare, rows_store

_US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)
#: Distinct touch signatures remembered per run (URLs with ids in them could be unbounded).
_KEPT = 200_000
# Fit results are remembered per (type, value): 1, 1.0 and True are equal dict keys but not
# equal facts. Other types (lists, floats with their -0.0) are evaluated every time.
_HASHABLE = frozenset({str, int, bool, type(None)})
#: Below this many touchpoints one process reads them; above, the scan is split.


class _Summary(NamedTuple):
    """What ``rules.mql_check`` reads of a breakdown."""

    fast_track: tuple[rules.FastTrackHit, ...]
    score: int
    grade: str


def _dumps(value: Any) -> str:
    return json.dumps(value)


def _decayed(points100: int, age: np.ndarray, half_life: float | None) -> np.ndarray:
    """``rules.decayed_hundredths`` over an array of ages, to the same integer.

    numpy's vectorised ``power`` may differ from the C library's in the last bit; that only
    matters where ``value + 0.5`` sits next to an integer, so those few are redone in Python.
    """
    if half_life is None:
        return np.full(len(age), max(0, math.floor(points100 * 1.0 + 0.5)), dtype=np.int64)
    exponent = np.maximum(age, 0.0) / half_life
    value = points100 * np.power(0.5, exponent)
    shifted = value + 0.5
    near = np.abs(shifted - np.round(shifted)) <= 1e-9 * np.maximum(1.0, np.abs(shifted))
    result = np.floor(shifted)
    for i in np.flatnonzero(near).tolist():
        result[i] = math.floor(points100 * 0.5 ** float(exponent[i]) + 0.5)
    return np.maximum(result, 0).astype(np.int64)


class BatchScorer:
    """A profile compiled for bulk scoring at one ``now``."""

    def __init__(self, profile: rules.Profile, *, now: datetime, classifier=None) -> None:
        self.profile = profile
        self.classifier = classifier or rules.TouchClassifier(profile)
        self.now_us = epoch_us_of(now)
        self._engagement = []
        for rule in profile.engagement:
            half_life = rule.half_life_days
            if half_life is None:
                half_life = profile.half_life_days
            if half_life is not None and half_life <= 0:
                raise ValueError("half_life_days must be positive")
            prefix = (
                f'{{"rule_id": {rule.id}, "rule": {_dumps(rule.name)}, "kind": "engagement", '
                '"points": '
            )
            cap = None if rule.cap is None else rule.cap * 100
            self._engagement.append((rule.points * 100, half_life, cap, prefix))
        self._fast = [
            (
                rule,
                max(1, rule.min_count),
                rule.within_days,
                f'{{"rule_id": {rule.id}, "rule": {_dumps(rule.name)}, "touch_ids": [',
            )
            for rule in profile.fast_track
        ]
        self._fit: list[tuple[rules.FitRule, dict]] = [(rule, {}) for rule in profile.fit]
        self._grades: dict[int, str] = {}
        self._signatures: dict[tuple, int] = {}
        self._heads: list[str] = []
        self._engaged: list[tuple[int, ...]] = []
        self._tracked: list[tuple[int, ...]] = []
        self._matrices: tuple[np.ndarray, np.ndarray] | None = None
        self._details: dict[tuple[int, int], str] = {}
        self.fields = tuple(
            dict.fromkeys([r.field for r in profile.fit] + list(profile.mql.required_fields))
        )

    # --- touch signatures ----------------------------------------------------------------

    def signature(self, kind: str, channel: str, campaign: str, url: str) -> int:
        """The code of a touch signature, matched against the rules the first time seen."""
        key = (kind, channel, campaign, url)
        code = self._signatures.get(key)
        if code is None:
            touch = rules.Touch(0, _EPOCH, kind, channel, campaign, url)
            engaged, tracked = self.classifier.classify(touch)
            code = len(self._heads)
            self._heads.append(f"{kind} {rules.url_path(url)} ")
            self._engaged.append(engaged)
            self._tracked.append(tracked)
            self._signatures[key] = code
            self._matrices = None
        return code

    def matches_any(self, code: int) -> bool:
        return bool(self._engaged[code] or self._tracked[code])

    def _match_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Which signature each rule matches, as [signature, rule] booleans."""
        if self._matrices is None:
            n = len(self._heads)
            engaged = np.zeros((n, len(self._engagement)), dtype=bool)
            tracked = np.zeros((n, len(self._fast)), dtype=bool)
            for code in range(n):
                engaged[code, list(self._engaged[code])] = True
                tracked[code, list(self._tracked[code])] = True
            self._matrices = (engaged, tracked)
        return self._matrices

    def _detail(self, sig: int, day: int) -> str:
        key = (sig, day)
        found = self._details.get(key)
        if found is None:
            date = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
            found = _dumps((self._heads[sig] + date).strip())
            if len(self._details) < _KEPT:
                self._details[key] = found
        return found

    # --- engagement and fast track over a chunk -------------------------------------------

    def _rule_points(
        self, touches: Touches, index: int, now_us: int | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``touches`` newest first, capped hundredths of each) for one
        engagement rule; ``now_us`` is one instant or one per touch (its lead's "now")."""
        engaged, _ = self._match_matrices()
        points100, half_life, cap, _ = self._engagement[index]
        picked = np.flatnonzero(engaged[touches.sig, index])[::-1]  # newest first
        if not len(picked):
            return picked, picked
        lead = touches.lead[picked]
        now = now_us[picked] if isinstance(now_us, np.ndarray) and now_us.ndim else now_us
        age = (now - touches.at[picked]) / 1_000_000 / rules.SECONDS_PER_DAY
        decayed = _decayed(points100, age, half_life)
        if cap is not None:
            # Within a lead: used before a touch is min(cap, sum of the earlier ones).
            total = np.cumsum(decayed)
            starts = np.flatnonzero(np.r_[True, lead[1:] != lead[:-1]])
            sizes = np.diff(np.r_[starts, len(lead)])
            running = total - np.repeat(total[starts] - decayed[starts], sizes)
            decayed = np.minimum(cap, running) - np.minimum(cap, running - decayed)
        return picked, decayed

    def engagement_totals(self, touches: Touches, now_us: np.ndarray) -> np.ndarray:
        """Engagement hundredths per touch's lead, summed into ``touches``' distinct leads
        (in lead order), each touch seen from its own ``now_us``."""
        leads = np.unique(touches.lead)
        totals = np.zeros(len(leads), dtype=np.int64)
        for index in range(len(self._engagement)):
            picked, decayed = self._rule_points(touches, index, now_us)
            if len(picked):
                np.add.at(totals, np.searchsorted(leads, touches.lead[picked]), decayed)
        return totals

    def engagement_pieces(self, touches: Touches) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Engagement contributions of a chunk: (lead of each, JSON piece of each, hundredths
        of each), ordered by lead, then rule, then newest touch first."""
        leads, rule_of, order_of, points, ids, sigs, days = [], [], [], [], [], [], []
        for index in range(len(self._engagement)):
            picked, decayed = self._rule_points(touches, index, self.now_us)
            if not len(picked):
                continue
            lead = touches.lead[picked]
            at = touches.at[picked]
            kept = np.flatnonzero(decayed > 0)
            leads.append(lead[kept])
            rule_of.append(np.full(len(kept), index))
            order_of.append(kept)
            points.append(decayed[kept])
            ids.append(touches.id[picked][kept])
            sigs.append(touches.sig[picked][kept])
            days.append(at[kept] // _US_PER_DAY)
        if not leads:
            empty = np.zeros(0, dtype=np.int64)
            return empty, [], empty
        lead, rule_index, order = (np.concatenate(a) for a in (leads, rule_of, order_of))
        sort = np.lexsort((order, rule_index, lead))
        lead, rule_index = lead[sort], rule_index[sort]
        point = np.concatenate(points)[sort]
        prefixes = [e[3] for e in self._engagement]
        known = self._details.get
        detail = self._detail
        pieces = [
            f'{prefixes[r]}{p / 100!r}, "source": "touchpoint", "ref": "{i}", '
            f'"detail": {known((s, d)) or detail(s, d)}}}'
            for r, p, i, s, d in zip(
                rule_index.tolist(),
                point.tolist(),
                np.concatenate(ids)[sort].tolist(),
                np.concatenate(sigs)[sort].tolist(),
                np.concatenate(days)[sort].tolist(),
                strict=True,
            )
        ]
        return lead, pieces, point

    def fast_hits(self, touches: Touches) -> dict[int, list[tuple[rules.FastTrackHit, str]]]:
        """Per lead, its fast-track hits in rule order: the first window of each rule."""
        _, tracked = self._match_matrices()
        hits: dict[int, list[tuple[rules.FastTrackHit, str]]] = {}
        for index, (rule, need, within, prefix) in enumerate(self._fast):
            picked = np.flatnonzero(tracked[touches.sig, index])
            if len(picked) < need:
                continue
            lead, at = touches.lead[picked], touches.at[picked]
            ends = np.arange(need - 1, len(picked))
            starts = ends - need + 1
            ok = lead[ends] == lead[starts]
            if within is not None:
                span = (at[ends] - at[starts]) / 1_000_000 / rules.SECONDS_PER_DAY
                ok &= span <= within
            ends = ends[ok]
            first = np.unique(lead[ends], return_index=True)[1]
            ids = touches.id[picked]
            for end in ends[first].tolist():
                window = tuple(ids[end - need + 1 : end + 1].tolist())
                hit = rules.FastTrackHit(rule_id=rule.id, rule_name=rule.name, touch_ids=window)
                piece = prefix + ", ".join(map(str, window)) + "]}"
                hits.setdefault(int(lead[end]), []).append((hit, piece))
        return hits

    # --- fit ------------------------------------------------------------------------------

    def fit_part(self, index: int, fact: Any) -> tuple[int, str | None, str | None]:
        """(hundredths, JSON piece or None, warning or None) of one fit rule for one value."""
        rule, cache = self._fit[index]
        key = (fact.__class__, fact) if fact.__class__ in _HASHABLE else None
        found = cache.get(key) if key is not None else None
        if found is None:
            contributions, warnings = rules.fit_evaluate((rule,), {rule.field: fact})
            piece, hundredths = None, 0
            if contributions:
                c = contributions[0]
                hundredths = c.hundredths
                piece = _dumps(services.breakdown_json(rules.ScoreBreakdown((c,), ""))[0])
            found = (hundredths, piece, warnings[0] if warnings else None)
            if key is not None and len(cache) < _KEPT:
                cache[key] = found
        return found

    def fit_column(self, index: int, values: list) -> list[tuple[int, str | None, str | None]]:
        """``fit_part`` of one rule for many values (the cache lookup inlined: it is hot)."""
        get = self._fit[index][1].get
        part = self.fit_part
        out = []
        for value in values:
            cls = value.__class__
            found = get((cls, value)) if cls in _HASHABLE else None
            out.append(found if found is not None else part(index, value))
        return out

    def grade(self, fit_hundredths: int) -> str:
        found = self._grades.get(fit_hundredths)
        if found is None:
            found = rules.grade_for(fit_hundredths / 100, self.profile.thresholds)
            self._grades[fit_hundredths] = found
        return found

    # --- a chunk ----------------------------------------------------------------------------

    def chunk_score(self, facts: list[tuple], touches: Touches) -> list[ScoredRow]:
        """Score leads given as (id, stage, grade, score, facts), in id order."""
        e_lead, e_pieces, e_points = self.engagement_pieces(touches)
        ids = np.array([row[0] for row in facts], dtype=np.int64)
        bounds = np.searchsorted(e_lead, ids).tolist()
        e_ends = np.searchsorted(e_lead, ids, side="right").tolist()
        e_sums = np.r_[0, np.cumsum(e_points)].tolist()
        hits = self.fast_hits(touches)
        columns = [
            self.fit_column(index, [row[4].get(rule.field) for row in facts])
            for index, (rule, _) in enumerate(self._fit)
        ]
        fit_rows = zip(*columns, strict=True) if columns else ((),) * len(facts)
        mql = self.profile.mql
        out = []
        for k, ((lead_id, stage, old_grade, old_score, lead_facts), fit_results) in enumerate(
            zip(facts, fit_rows, strict=True)
        ):
            parts: list[str] = []
            warnings: list[str] = []
            fit = 0
            for hundredths, piece, warning in fit_results:
                if warning is not None:
                    warnings.append(warning)
                elif piece is not None:
                    fit += hundredths
                    parts.append(piece)
            grade = self.grade(fit)
            start, end = bounds[k], e_ends[k]
            parts.extend(e_pieces[start:end])
            engagement = e_sums[end] - e_sums[start]
            score = rules.round_half_up(fit + engagement)
            lead_hits = hits.get(lead_id, ())
            decision = None
            if (lead_hits and mql.fast_track) or score >= mql.min_score:
                summary = _Summary(tuple(h for h, _ in lead_hits), score, grade)
                decision = rules.mql_check(mql, summary, lead_facts)  # type: ignore[arg-type]
            out.append(
                ScoredRow(
                    lead_id,
                    score,
                    grade,
                    fit,
                    engagement,
                    "[" + ", ".join(parts) + "]",
                    "[" + ", ".join([p for _, p in lead_hits]) + "]" if lead_hits else "[]",
                    tuple(warnings),
                    decision.criterion if decision else "",
                    stage,
                    old_score,
                    old_grade,
                )
            )
        return out


# --- the whole run ------------------------------------------------------------------------


def lead_ranges(*, chunk_size: int, open_only: bool = False) -> Iterator[tuple[int, int]]:
    """(first id, last id) of consecutive chunks of ``chunk_size`` leads, by keyset."""
    last = 0
    with connection.cursor() as cursor:
        while True:
            sql, params = lead_ids_query(last, chunk_size, open_only)
            cursor.execute(sql, params)
            row = cursor.fetchone()
            if row is None or row[0] is None:
                return
            yield row[0], row[1]
            last = row[1]


class _ChunkDone(NamedTuple):
    data: list[tuple]
    changed: list[tuple]
    scored: int
    grade_changed: int
    warnings: int
    candidates: list[int]


#: What forked compute workers inherit: (scorer, touches, open_only, profile id, version, now).
_FORKED: list[tuple] = []


def _chunk_compute(bounds: tuple[int, int], job: tuple | None = None) -> _ChunkDone:
    scorer, touches, open_only, profile_id, version, now = job or _FORKED[0]
    lo, hi = bounds
    rows = scorer.chunk_score(facts_read(scorer.fields, lo, hi, open_only), touches.slice(lo, hi))
    data, changed = rows_prepare(rows, profile_id=profile_id, profile_version=version, now=now)
    return _ChunkDone(
        data,
        changed,
        len(rows),
        sum(r.old_grade != r.grade for r in rows),
        sum(bool(r.warnings) for r in rows),
        [r.lead_id for r in rows if r.qualifies and r.stage in services.QUALIFIABLE_STAGES],
    )


def _chunk_compute_in_child(bounds: tuple[int, int]) -> _ChunkDone:
    return _chunk_compute(bounds)


def leads_rescore_all(
    *,
    active: selectors.ActiveProfile,
    now: datetime | None = None,
    qualify: bool = True,
    open_only: bool = False,
    chunk_size: int = 20_000,
    workers: int | None = None,
    processes: bool = True,
    progress: Callable[[int], None] | None = None,
) -> services.RescoreResult:
    """Rescore every lead (or every open lead) with ``active``; the rows the rules give.

    With several ``workers`` (by default two from ``PARALLEL_FROM`` touchpoints on), forked
    processes read the touches and then compute chunks of leads while this process writes
    them: one writer, so SQLite never waits on itself. Leads that meet the MQL definition from
    a qualifiable stage are passed, after their chunk is written, to
    ``services.leads_rescore`` (qualify=True), which moves them to MQL once.
    """
    now = now or timezone.now()
    scorer = BatchScorer(active.profile, now=now, classifier=active.classifier)
    # Forking needs the connection closed first, which a surrounding transaction forbids.
    processes = processes and not connection.in_atomic_block
    if workers is None:
        low, high = touch_id_bounds()
        big = low is not None and high is not None and high - low >= PARALLEL_FROM
        workers = 2 if big and multiprocessing.cpu_count() > 1 else 1
    touches = touches_read(scorer, workers=workers, processes=processes)
    ranges = list(lead_ranges(chunk_size=chunk_size, open_only=open_only))
    job = (scorer, touches, open_only, active.id, active.version, now)
    result = services.RescoreResult()

    def store(done: _ChunkDone) -> services.RescoreResult:
        rows_store(done.data, done.changed)
        moved = 0
        if qualify and done.candidates:
            moved = services.leads_rescore(
                lead_ids=done.candidates, now=now, qualify=True, active=active
            ).moved_to_mql
        if progress is not None:
            progress(done.scored)
        return services.RescoreResult(done.scored, done.grade_changed, moved, done.warnings)

    if workers > 1 and processes and len(ranges) > 1:
        connections.close_all()
        _FORKED[:] = [job]
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for done in pool.imap(_chunk_compute_in_child, ranges):
                    result = result + store(done)
        finally:
            _FORKED.clear()
    else:
        for bounds in ranges:
            result = result + store(_chunk_compute(bounds, job))
    return result
