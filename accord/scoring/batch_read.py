"""Reading what batch scoring needs: each lead's facts (the fields the rules read) and
every touch as numpy columns, in parallel slices when there are many."""

from __future__ import annotations

import multiprocessing
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, connections

from accord.scoring import rules, selectors
from accord.scoring.batch_sql import (
    facts_query,
    touch_filter,
    touch_id_bounds,
    touches_query,
)

if TYPE_CHECKING:
    from accord.scoring.batch import BatchScorer
from accord.scoring.json_objects import ObjectReader


def facts_read(
    fields: tuple[str, ...], lo: int, hi: int, open_only: bool
) -> list[tuple[int, str, str, int, dict[str, Any]]]:
    """(lead id, stage, grade, score, facts) per lead with lo <= id <= hi, in id order; the
    facts hold exactly the fields asked for (what the fit rules and MQL check read)."""
    sql, params, model_names, entities = facts_query(fields, lo, hi, open_only)
    wanted = [(name, split) for name in fields if (split := rules.field_property_split(name))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    first_property = 4 + len(model_names)
    read = ObjectReader().read
    result = []
    for row in rows:
        facts = dict(zip(model_names, row[4:first_property], strict=True))
        if wanted:
            props = {e: read(row[first_property + i]) for i, e in enumerate(entities)}
            for name, (entity, key) in wanted:
                facts[name] = props[entity].get(key)
        result.append((row[0], row[1], row[2], row[3], facts))
    return result


_EPOCH = datetime(1970, 1, 1)
PARALLEL_FROM = 1_000_000


@dataclass
class Touches:
    """Matching touches as columns, sorted by (lead, at, id); ``sig`` indexes signatures."""

    lead: np.ndarray
    at: np.ndarray  # microseconds since the epoch, UTC
    id: np.ndarray
    sig: np.ndarray

    def slice(self, lo: int, hi: int) -> Touches:
        start, end = np.searchsorted(self.lead, [lo, hi + 1])
        return Touches(*(a[start:end] for a in (self.lead, self.at, self.id, self.sig)))


def epoch_us_of(moment: datetime) -> int:
    """Exact microseconds since the epoch (``timedelta`` arithmetic, no float rounding)."""
    delta = moment.astimezone(UTC).replace(tzinfo=None) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _int_column(rows: list[tuple], index: int) -> np.ndarray:
    return np.fromiter(map(itemgetter(index), rows), dtype=np.int64, count=len(rows))


def epoch_us(values: list) -> np.ndarray:
    """Microseconds since the epoch of stored instants: integers (PostgreSQL computes them)
    or SQLite's UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", which numpy parses exactly.

    Text numpy does not read (an offset, another layout) goes through Python's parser.
    """
    if not values or values[0].__class__ is not str:
        return np.array(values, dtype=np.int64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy only warns about a UTC offset in the text
            return np.array(values, dtype="datetime64[us]").astype(np.int64)
    except (ValueError, UserWarning):
        return np.array(
            [epoch_us_of(_aware(datetime.fromisoformat(text))) for text in values], dtype=np.int64
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _scan(args: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, np.ndarray]:
    """Touches with lo <= id <= hi passing the filter: lead, at, id, signature keys, codes."""
    where, params, lo, hi = args
    sql, full_params = touches_query(where, params, lo, hi)
    keys: dict[tuple, int] = {}
    number = keys.setdefault
    signature = itemgetter(3, 4, 5, 6)
    lead, at, ids, codes = [], [], [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, full_params)
        while rows := cursor.fetchmany(100_000):
            # Column by column: numpy takes the numbers, one C call per row numbers the
            # signature (channel as its id here; the parent maps ids to slugs once).
            lead.append(_int_column(rows, 0))
            ids.append(_int_column(rows, 1))
            at.append(epoch_us([row[2] for row in rows]))
            codes.append(
                np.fromiter(
                    (number(key, len(keys)) for key in map(signature, rows)),
                    dtype=np.int64,
                    count=len(rows),
                )
            )
    empty = np.zeros(0, dtype=np.int64)
    return (
        np.concatenate(lead) if lead else empty,
        np.concatenate(at) if at else empty,
        np.concatenate(ids) if ids else empty,
        list(keys),
        np.concatenate(codes) if codes else empty,
    )


def _scan_in_child(args: tuple):
    connections.close_all()  # a forked child must not share the parent's connection
    try:
        return _scan(args)
    finally:
        connections.close_all()


def touches_read(
    scorer: BatchScorer, *, workers: int | None = None, processes: bool = True
) -> Touches:
    """Every touch some rule of the scorer's profile matches, sorted by (lead, at, id).

    The table is split into ``workers`` id ranges, each scanned by its own process (forked:
    it reads the committed data) or, with ``processes=False``, one after the other here.
    """
    where = touch_filter(scorer.profile)
    empty = np.zeros(0, dtype=np.int64)
    low, high = touch_id_bounds()
    if where is None or low is None or high is None:
        return Touches(empty, empty, empty, empty)
    processes = processes and not connection.in_atomic_block
    if workers is None:
        workers = 2 if high - low >= PARALLEL_FROM and (multiprocessing.cpu_count() > 1) else 1
    step = (high - low) // workers + 1
    parts = [(where[0], where[1], low + i * step, low + (i + 1) * step - 1) for i in range(workers)]
    if workers == 1 or not processes:
        results = [_scan(part) for part in parts]
    else:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_scan_in_child, parts)
    leads, ats, ids, sigs = [], [], [], []
    for lead, at, touch_ids, keys, codes in results:
        if not keys:
            continue
        slug = selectors.channel_slug
        remap = np.array(
            [scorer.signature(kind, slug(ch), camp, url) for kind, ch, camp, url in keys],
            dtype=np.int64,
        )
        code = remap[codes]
        matching = np.array([scorer.matches_any(c) for c in remap.tolist()])[codes]
        leads.append(lead[matching])
        ats.append(at[matching])
        ids.append(touch_ids[matching])
        sigs.append(code[matching])
    if not leads:
        return Touches(empty, empty, empty, empty)
    lead, at, touch_ids, sig = (np.concatenate(a) for a in (leads, ats, ids, sigs))
    order = np.lexsort((touch_ids, at, lead))
    return Touches(lead[order], at[order], touch_ids[order], sig[order])
