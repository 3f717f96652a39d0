"""The HTTP API's plumbing, shared by every app's endpoints: authentication and principals,
errors, paging, batches, idempotency, shared schemas and lookups. It imports only ``core`` and
``accounts``; the endpoints themselves live with their apps (``<app>/api.py``) and are mounted
in ``config/api.py``."""
