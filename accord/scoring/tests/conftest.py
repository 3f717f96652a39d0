import pytest

from accord.scoring import selectors


@pytest.fixture(autouse=True)
def _active_profile_fresh():
    """Each test sees the active profile of its own database, not a cached earlier one."""
    selectors.active_profile_forget()
    yield
    selectors.active_profile_forget()
