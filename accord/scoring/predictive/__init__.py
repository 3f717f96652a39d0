"""Predictive lead scoring: as-of-snapshot features, calibrated models, baselines, backtests."""
