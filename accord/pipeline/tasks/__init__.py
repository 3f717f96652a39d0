"""Tasks (next steps with due dates and reminders), stale-deal warnings, and the activity
panel of the lead and deal pages.

``services`` writes, ``selectors`` reads (visibility from ``accounts.policy.tasks``), ``rules``
holds the stale-deal rule as plain maths, ``jobs`` the worker's sweeps (a job address: the
schedules written by migration ``pipeline.0006`` name it), ``api`` the ``/api/v1/tasks``
router, ``views``/``panel`` the pages and the htmx partials.
"""
