import pytest


@pytest.fixture
def duckdb_file(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    return tmp_path / "analytics.duckdb"


@pytest.fixture
def company(db, duckdb_file):
    """The analytics tests' small company (four leads, deals, touches), synced to DuckDB."""
    from accord.analytics.sync import analytics_sync
    from accord.analytics.tests.analytics_support import company_seed

    seeded = company_seed()
    analytics_sync()
    return seeded
