"""The promotion report's page, API schema and tables (the runner: ``runners.promotions``)."""
