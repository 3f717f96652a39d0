"""Open leads' predictions computed by several processes, written by one.

Predicting is CPU-bound Python and numpy (features, trees, reasons): at a million open leads
one process keeps one core busy for minutes. Chunks of leads are computed in ``workers``
processes and handed back to the caller, who writes them; one writer, so SQLite never waits
on itself. The processes are spawned, not forked: the model's OpenMP runtime is not safe to
fork once it has run (a worker process that trained a model before could hang its
children), and a fresh process costs about two seconds, once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import datetime

import numpy as np

Predicted = tuple[np.ndarray, np.ndarray, list]

_STATE: dict = {}


def _start(database_name: str, model_id: int, now: datetime) -> None:
    import django

    django.setup()
    from django.db import connections

    # Under the test runner the parent uses the test database; so must its children.
    connections["default"].settings_dict["NAME"] = database_name
    # A spawned child: models can only be imported once django.setup() above has run.
    from accord.scoring.models import ScoringModel

    # (the registry imports models too, so it waits for django.setup() as well)
    from accord.scoring.predictive.registry import bundle_load

    _STATE.update(bundle=bundle_load(ScoringModel.objects.get(pk=model_id)), now=now)
    # The processes already share the cores: OpenMP threads of their own would only contend.
    from threadpoolctl import threadpool_limits

    _STATE["threads"] = threadpool_limits(limits=1)


def _chunk(bounds: tuple[int, int]) -> Predicted:
    # Runs in the spawned child, set up by _init (this module is imported before Django is).
    from accord.contacts.models import Lead

    # (the registry imports models too, so it waits for django.setup() as well)
    from accord.scoring.predictive.registry import predictions_chunk

    lo, hi = bounds
    leads = Lead.objects.filter(is_open=True, id__gte=lo, id__lte=hi)
    return predictions_chunk(_STATE["bundle"], leads, now=_STATE["now"])


def chunks_predicted(
    *, model_id: int, ranges: list[tuple[int, int]], now: datetime, workers: int
) -> Iterator[Predicted]:
    """(lead ids, probabilities, reasons) of each range's open leads, in ``ranges`` order."""
    from django.db import connection

    context = multiprocessing.get_context("spawn")
    start_args = (connection.settings_dict["NAME"], model_id, now)
    with context.Pool(workers, initializer=_start, initargs=start_args) as pool:
        yield from pool.imap(_chunk, ranges)
