"""WakeUps: the window arithmetic and the process's memory of committed wake-ups (the
queuing itself is tested through its users: hand-off e-mails and capture follow-ups)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from accord.core import outbox
from accord.core.outbox import WakeUps


def test_a_window_runs_after_its_end_plus_the_grace():
    wake_ups = WakeUps("x.y", key_prefix="t", bucket_seconds=2, grace_seconds=1)
    assert wake_ups.run_at(100) == datetime.fromtimestamp(203, tz=UTC)
    assert WakeUps("x.y", key_prefix="t", bucket_now=lambda: 7).bucket_now() == 7


def test_committed_windows_are_remembered_briefly_even_from_many_threads():
    wake_ups = WakeUps("x.y", key_prefix="t")

    def commit(start: int) -> None:
        for bucket in range(start, 2000, 8):
            outbox._wake_up_committed(wake_ups, bucket)

    threads = [threading.Thread(target=commit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1999 in wake_ups._committed
    assert min(wake_ups._committed) >= 1999 - 5 - 8  # old windows are pruned
