"""The forecast report's page, API and tables (the runner: ``runners.forecast``)."""
