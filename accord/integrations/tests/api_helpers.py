"""Helpers for API tests: a key with given scopes, and JSON requests through the real stack."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from accord.accounts.api_keys import api_key_create

BASE = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with a bearer key."""

    def __init__(self, raw_key: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {raw_key}"} if raw_key else {}

    def get(self, path: str, **params: Any):
        return self.client.get(BASE + path, params, headers=self.headers)

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        idempotency_key: str | None = None,
    ):
        data = raw if raw is not None else json.dumps(body)
        headers = dict(self.headers)
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self.client.post(BASE + path, data, content_type="application/json", headers=headers)

    def patch(self, path: str, body: Any):
        return self.client.patch(
            BASE + path, json.dumps(body), content_type="application/json", headers=self.headers
        )


def key_client(*scopes: str, name: str = "test") -> ApiClient:
    _key, raw = api_key_create(name=name, scopes=scopes or ("*",))
    return ApiClient(raw)
