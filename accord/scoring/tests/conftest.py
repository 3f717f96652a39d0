import pytest

from accord.scoring import selectors


@pytest.fixture(autouse=True)
def _active_profile_fresh():
    """Each test sees the active profile of its own database, not a cached earlier one."""
    selectors.active_profile_forget()
    yield
    selectors.active_profile_forget()


@pytest.fixture(autouse=True)
def _mql_terms_in_force(request):
    """Tests that use the database score under the MQL definition the shared test profile was
    written for (``support.TERMS``), as if the hand-off agreement had published it."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("db")
    from accord.scoring import qualification
    from accord.scoring.tests.support import TERMS

    qualification.definition_publish(terms=TERMS, agreement_version=1)
