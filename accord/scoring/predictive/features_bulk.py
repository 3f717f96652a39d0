"""Touchpoint aggregates for a million leads: one scan of the touch table, numpy grouping.

The same columns and values as ``features.touch_aggregates`` (counts by type and channel,
days since the first and the last touch, touches per week, as of each lead's snapshot), but
read differently: ``features`` joins each chunk of leads to its contacts' touches through the
(contact, at) index — one random read of the table per touch, and a whole id range per chunk
even when only some of its leads are wanted. Here the table is read once in its own order
(split over forked processes by id range), as four narrow columns, and each lead takes its
contact's touches up to its snapshot by array arithmetic.

Times are compared as exact microseconds, so a touch within ~40 µs of a snapshot may fall on
the other side than with ``features``' SQLite ``julianday()`` comparison (a float).
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.db import connection, connections
from django.utils import timezone

from accord.contacts.models import Lead
from accord.scoring.batch_sql import _sql_parts, touch_id_bounds
from accord.tracking.models import Channel, Touchpoint

_SECONDS_PER_DAY = 86_400.0
#: From this many touchpoints on, the scan is split over two processes.
PARALLEL_FROM = 1_000_000


def _scan(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, np.ndarray]:
    """Touches with a contact and lo <= id <= hi: contact, at (µs), channel (-1: none),
    type names and each touch's index into them."""
    lo, hi = bounds
    table = Touchpoint._meta.db_table
    sql = (
        f'SELECT t."contact_id", {_sql_parts()["at_us"]}, t."channel_id", t."type" '
        f'FROM "{table}" t WHERE t."id" BETWEEN %s AND %s AND t."contact_id" IS NOT NULL'
    )
    contacts, ats, channels, kinds = [], [], [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, [lo, hi])
        while rows := cursor.fetchmany(200_000):
            contact, at, channel, kind = zip(*rows, strict=True)
            contacts.append(np.array(contact, dtype=np.int64))
            ats.append(np.array(at, dtype=np.int64))
            channels.append(np.nan_to_num(np.array(channel, dtype=float), nan=-1).astype(np.int64))
            kinds.append(np.array(kind, dtype=object))
    if not contacts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, [], empty
    codes, names = pd.factorize(np.concatenate(kinds))
    return (
        np.concatenate(contacts),
        np.concatenate(ats),
        np.concatenate(channels),
        list(names),
        codes.astype(np.int64),
    )


def _scan_in_child(bounds: tuple[int, int]):
    connections.close_all()  # the parent closed its connections before forking
    try:
        return _scan(bounds)
    finally:
        connections.close_all()


def touches_by_contact(
    *, workers: int | None = None, processes: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Every touch with a contact, sorted by (contact, at): contact, at, channel id (-1 for
    none), type code, and the type names the codes index."""
    low, high = touch_id_bounds()
    empty = np.zeros(0, dtype=np.int64)
    if low is None:
        return empty, empty, empty, empty, []
    if workers is None:
        big = high - low >= PARALLEL_FROM and multiprocessing.cpu_count() > 1
        workers = 2 if big else 1
    step = (high - low) // workers + 1
    parts = [(low + i * step, low + (i + 1) * step - 1) for i in range(workers)]
    if workers > 1 and processes and not connection.in_atomic_block:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_scan_in_child, parts)
    else:
        results = [_scan(part) for part in parts]
    names: list[str] = sorted({name for result in results for name in result[3]})
    index = {name: i for i, name in enumerate(names)}
    contact, at, channel, kind = [], [], [], []
    for c, a, ch, local_names, codes in results:
        remap = np.array([index[n] for n in local_names] or [0], dtype=np.int64)
        contact.append(c)
        at.append(a)
        channel.append(ch)
        kind.append(remap[codes] if len(codes) else codes)
    contact, at, channel, kind = (np.concatenate(x) for x in (contact, at, channel, kind))
    order = np.lexsort((at, contact))
    return contact[order], at[order], channel[order], kind[order], names


def _contacts_of(ids: np.ndarray) -> np.ndarray:
    """Each lead's contact id (-1 when it has none), aligned with ``ids``."""
    found = dict(
        Lead.objects.filter(pk__gte=int(ids.min()), pk__lte=int(ids.max())).values_list(
            "pk", "contact_id"
        )
    )
    return np.array([found.get(int(i)) or -1 for i in ids.tolist()], dtype=np.int64)


def touch_aggregates(
    ids: np.ndarray,
    created: np.ndarray,
    *,
    config,
    now: datetime,
    workers: int | None = None,
    processes: bool = True,
) -> pd.DataFrame:
    """``features.touch_aggregates``: the same frame, computed from one scan of the table."""
    index = pd.RangeIndex(len(ids))
    out = pd.DataFrame({"touch.count": np.zeros(len(ids))}, index=index)
    if not len(ids):
        return out
    contact = _contacts_of(np.asarray(ids))
    t_contact, t_at, t_channel, t_kind, names = touches_by_contact(
        workers=workers, processes=processes
    )
    snapshot_us = created.astype("datetime64[us]").astype(np.int64) + int(
        config.snapshot_days * _SECONDS_PER_DAY * 1e6
    )
    now_us = np.datetime64(timezone.make_naive(now, UTC), "us").astype(np.int64)
    cut = np.minimum(snapshot_us, now_us)
    # Each lead's run of its contact's touches, as (lead position, touch index) pairs.
    starts = np.searchsorted(t_contact, contact, side="left")
    counts = np.searchsorted(t_contact, contact, side="right") - starts
    counts[contact < 0] = 0
    pos = np.repeat(np.arange(len(ids)), counts)
    begin = np.cumsum(counts) - counts
    touch = np.arange(int(counts.sum())) + np.repeat(starts - begin, counts)
    keep = t_at[touch] <= cut[pos]
    pos, touch = pos[keep], touch[keep]
    if not len(pos):
        return out.assign(
            **{
                "touch.days_since_first": np.nan,
                "touch.days_since_last": np.nan,
                "touch.per_week": 0.0,
            }
        )
    count = np.bincount(pos, minlength=len(ids)).astype(float)
    seen = np.unique(pos)
    # Touches are in time order within a contact, so a lead's run starts at its first.
    first = np.full(len(ids), np.nan)
    last = np.full(len(ids), np.nan)
    first[seen] = t_at[touch[np.searchsorted(pos, seen)]] / 1e6
    last[seen] = t_at[touch[np.searchsorted(pos, seen, side="right") - 1]] / 1e6
    snapshot = cut / 1e6
    since_first = np.maximum(0.0, (snapshot - first) / _SECONDS_PER_DAY)
    out["touch.count"] = count
    out["touch.days_since_first"] = since_first
    out["touch.days_since_last"] = np.maximum(0.0, (snapshot - last) / _SECONDS_PER_DAY)
    out["touch.per_week"] = count / np.maximum(1.0, np.nan_to_num(since_first) / 7.0)
    columns: dict[str, np.ndarray] = {}
    by_type = np.bincount(
        pos * len(names) + t_kind[touch], minlength=len(ids) * len(names)
    ).reshape(len(ids), len(names))
    for i in np.argsort(names).tolist():
        if by_type[:, i].any():
            columns[f"touch.type.{names[i]}"] = by_type[:, i].astype(float)
    slugs = dict(Channel.objects.values_list("id", "slug"))
    channel_ids = np.unique(t_channel[touch])
    slug_of = {int(c): slugs.get(int(c), "none") for c in channel_ids.tolist()}
    channel_code = np.searchsorted(channel_ids, t_channel[touch])
    by_channel = np.bincount(
        pos * len(channel_ids) + channel_code, minlength=len(ids) * len(channel_ids)
    ).reshape(len(ids), len(channel_ids))
    per_slug: dict[str, np.ndarray] = {}
    for i, channel_id in enumerate(channel_ids.tolist()):
        slug = slug_of[channel_id]
        per_slug[slug] = per_slug.get(slug, 0) + by_channel[:, i]
    for slug in sorted(per_slug):
        columns[f"touch.channel.{slug}"] = per_slug[slug].astype(float)
    return pd.concat([out, pd.DataFrame(columns, index=index)], axis=1)
