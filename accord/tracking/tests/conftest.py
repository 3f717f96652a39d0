import pytest

from accord.scoring import selectors
from accord.tracking.capture import followups


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    """Each test starts as a fresh process would: no follow-up wake-up committed yet (an
    earlier test's would keep this window's from being queued) and the active scoring
    profile read from this test's database."""
    monkeypatch.setattr(followups._WAKE_UPS, "_committed", set())
    selectors.active_profile_forget()
    yield
    selectors.active_profile_forget()
