"""The authorization matrix: every route (Django's URL resolver) and every API operation
(the OpenAPI document) against anonymous, each role and API keys of each scope kind, compared
with ``accord.accounts.policy_table``. A route without a row fails here.

Set ``AUTHZ_RECORD=/tmp/file`` to write the outcomes observed (in the table's notation) to a
file, e.g. to draft the row of a new route; the test still compares with the table.
"""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache

from accord.accounts.policy_table import KEYS, OPERATIONS, PAGES, ROLES, Page
from tests.authz import matrix_support as support

# Routes with a row, and why some resolver entries are not rows of their own.
API_PAGES = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}


def _api_key(method: str, path: str) -> str:
    return f"{method} {path}"


def test_every_route_and_operation_has_a_row():
    routes = {route.name for route in support.page_routes()}
    missing_pages = sorted(routes - set(PAGES))
    operations = {_api_key(m, p) for m, p, _op in support.api_operations()}
    missing_ops = sorted(operations - set(OPERATIONS))
    stale = sorted((set(PAGES) - routes - API_PAGES) | (set(OPERATIONS) - operations))
    # Every URL pattern the API mounts is an operation (or one of the API's own pages).
    op_paths = {re.sub(r"\{(\w+)\}", r"<\1>", p) for _m, p, _op in support.api_operations()}
    unmapped = sorted(
        r.name
        for r in support.api_patterns()
        if r.name not in API_PAGES and "/" + r.pattern not in op_paths
    )
    problems = (
        [f"  PAGES[{name!r}]" for name in missing_pages]
        + [f"  OPERATIONS[{name!r}]" for name in missing_ops]
        + [f"  API pattern {name!r} is no OpenAPI operation" for name in unmapped]
    )
    assert not problems, (
        "Routes without a row in accord/accounts/policy_table.py — add one (see its docstring "
        "for how) so the authorization matrix covers them:\n" + "\n".join(problems)
    )
    assert not stale, f"Rows for routes that no longer exist (remove them): {stale}"
    for page in API_PAGES:
        assert page in PAGES, page


def _record(lines: list[str]) -> None:
    target = os.environ.get("AUTHZ_RECORD")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def _merge(outcomes: dict[str, str]) -> str:
    """{principal/variant: letter} → the table notation for the six roles."""
    cells = []
    for role in ROLES:
        own = outcomes.get(f"{role}/own", "?")
        other = outcomes.get(f"{role}/other", own)
        cells.append(own if own == other else f"{own}/{other}")
    return " ".join(cells)


@pytest.fixture
def world(db, settings, tmp_path):
    settings.ACCORD_API_RATE = "1000000/10s"
    settings.INTEL_ATTACHMENT_DIR = tmp_path / "intel-files"
    cache.clear()
    return support.world_build()


def _page_cases(world: support.World):
    for route in support.page_routes():
        row = PAGES.get(route.name)
        if row is None:
            continue  # reported by test_every_route_and_operation_has_a_row
        yield route, row


def test_page_matrix(world):
    """Every page and htmx partial, per role (and API keys, which open no page)."""
    callers = dict(support.callers(world))
    callers["key_star"] = support.Caller(raw_key=world.key_for("key_star", None))
    mismatches: list[str] = []
    record: list[str] = []
    for route, row in _page_cases(world):
        seen: dict[str, str] = {}
        for variant in support.variants(world, route.params):
            path = support.page_path(route, world, variant)
            for htmx in (False, True) if row.htmx else (False,):
                for principal, caller in callers.items():
                    form = support.fill(row.form, world, variant)
                    response = caller.request(row.method, path, form=form, htmx=htmx)
                    got = support.classify(response)
                    want = row.expected(principal, variant)
                    seen[f"{principal}/{variant}"] = got
                    if got != want:
                        mismatches.append(
                            f"{route.name} {row.method} {path} as {principal} ({variant}"
                            f"{', htmx' if htmx else ''}): expected {want}, got {got} "
                            f"({response.status_code})"
                        )
        record.append(f"    {route.name!r}: Page({_merge(seen)!r}, method={row.method!r}),")
    _record(record)
    assert not mismatches, "Authorization matrix (pages):\n" + "\n".join(mismatches)


def test_admin_site_is_staff_only(world):
    """The pattern rule for /admin/...: anonymous and non-staff roles never get in."""
    for principal, caller in support.callers(world):
        for path in ("/admin/", "/admin/accounts/user/", "/admin/contacts/lead/"):
            response = caller.request("GET", path, htmx=False)
            if principal == "admin":
                assert response.status_code == 200, (path, principal)
            else:
                assert response.status_code == 302, (path, principal, response.status_code)
                assert response["Location"].startswith("/admin/login/"), (path, principal)


def test_api_matrix(world):
    """Every OpenAPI operation, per role (session) and per API key scope kind."""
    components = support.openapi_components()
    role_callers = dict(support.callers(world))
    mismatches: list[str] = []
    record: list[str] = []
    for method, template, operation in support.api_operations():
        row = OPERATIONS.get(_api_key(method, template))
        if row is None:
            continue
        params = tuple(re.findall(r"\{(\w+)\}", template))
        generated = support.operation_body(operation, components)
        if isinstance(generated, dict) and row.body:
            generated = {**generated, **row.body}
        elif row.body is not None:
            generated = row.body
        callers = dict(role_callers)
        for kind in KEYS:
            callers[kind] = support.Caller(raw_key=world.key_for(kind, row.resource))
        seen: dict[str, str] = {}
        for variant in support.variants(world, params):
            path = support.api_path(template, world, variant)
            body = support.fill(generated, world, variant)
            for principal, caller in callers.items():
                send = body if body is not None or method == "GET" else {}
                response = caller.request(
                    method, path, body=None if method == "GET" else send, htmx=False
                )
                got = support.classify(response)
                want = row.expected(principal, variant, method)
                seen[f"{principal}/{variant}"] = got
                if got != want:
                    mismatches.append(
                        f"{method} {template} as {principal} ({variant}): expected {want}, "
                        f"got {got} ({response.status_code} {response.content[:160]!r})"
                    )
        keys = " ".join(
            seen.get(f"{k}/own", "?")
            + ("" if seen.get(f"{k}/other", seen.get(f"{k}/own")) == seen.get(f"{k}/own")
               else "/" + seen[f"{k}/other"])
            for k in KEYS
        )  # fmt: skip
        record.append(
            f"    {_api_key(method, template)!r}: Op({row.resource!r}, {_merge(seen)!r}, "
            f"keys={keys!r}),"
        )
    _record(record)
    assert not mismatches, "Authorization matrix (API):\n" + "\n".join(mismatches)


def test_table_rows_are_well_formed():
    for name, row in PAGES.items():
        assert isinstance(row, Page), name
        row.expected("admin", "own")
    for name, op in OPERATIONS.items():
        op.expected("admin", "own", name.split()[0])
        if op.keys:
            op.expected("key_read", "own", name.split()[0])
