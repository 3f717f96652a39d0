import pytest

from accord.analytics.tests.analytics_support import company_seed


@pytest.fixture
def duckdb_file(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    return tmp_path / "analytics.duckdb"


@pytest.fixture
def company(db, duckdb_file):
    from accord.analytics.sync import analytics_sync

    seeded = company_seed()
    analytics_sync()
    return seeded
