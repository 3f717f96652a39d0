"""Capture never answers 500: NUL, lone surrogates and invalid UTF-8 anywhere are a 4xx.

Regression: a NUL byte or an unpaired surrogate (``"\\ud800"`` in JSON, ``%00`` in a form or
in the query string) in any field -- ``site`` included, event URLs and UTM values read from
them too -- reached the database and answered 500. Each is now refused before anything is
written, with the field named. A Hypothesis fuzzer then throws arbitrary text (those
characters included), arbitrary keys and arbitrary bytes at both endpoints, on whichever
database the suite runs (SQLite, or PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.tracking.capture.validation import UTM_FIELDS
from accord.tracking.tests.capture_support import EVENT_URL, LEAD_URL, ORIGIN, row_counts, site_make

pytestmark = pytest.mark.django_db

VISITOR = "visitor-12345678"


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.CAPTURE_RATE_LIMIT = "0"
    settings.CAPTURE_EVENT_RATE_LIMIT = "0"


def _post_json(client, url, body, *, query=""):
    raw = json.dumps(body)  # ensure_ascii: a lone surrogate travels as \\ud800, as browsers send it
    return client.post(f"{url}{query}", raw, content_type="application/json", HTTP_ORIGIN=ORIGIN)


def _post_form(client, url, body: bytes, *, query=""):
    return client.post(
        f"{url}{query}",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCEPT="text/html",
    )


def _assert_refused(response, field: str, counts_before):
    assert 400 <= response.status_code < 500, response.content[:300]
    assert field in response.content.decode("utf-8", "replace"), response.content[:300]
    assert row_counts() == counts_before


BAD_TEXT = ["bad\x00value", "bad\ud800value", "\udfff"]


@pytest.mark.parametrize("bad", BAD_TEXT)
@pytest.mark.parametrize(
    "field", ["site", "email", "first_name", "company", "consent_version", "utm_source",
              "landing_page", "referrer", "visitor_id", "redirect", "_gotcha"],
)  # fmt: skip
def test_nul_or_lone_surrogate_in_any_lead_field_is_a_4xx_naming_it(client, field, bad):
    site = site_make()
    body = {"site": site.public_key, "email": "ok@example.com", field: bad}
    before = row_counts()
    response = _post_json(client, LEAD_URL, body)
    _assert_refused(response, field, before)
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_nul_or_lone_surrogate_in_properties_keys_and_values_names_the_property(client, bad):
    site = site_make()
    before = row_counts()
    value = _post_json(
        client, LEAD_URL, {"site": site.public_key, "email": "a@example.com",
                           "properties": {"plan": bad}},
    )  # fmt: skip
    _assert_refused(value, "properties.plan", before)
    key = _post_json(
        client, LEAD_URL, {"site": site.public_key, "email": "a@example.com",
                           "properties": {bad: 1}},
    )  # fmt: skip
    assert 400 <= key.status_code < 500
    assert key.json()["error"]["field"].startswith("properties.")


@pytest.mark.parametrize("field", ["site", "url", "referrer", "title", "name", "utm_campaign"])
def test_nul_in_any_event_field_is_a_4xx_naming_it(client, field):
    site = site_make()
    body = {"site": site.public_key, "visitor_id": VISITOR, "url": "https://www.example.com/"}
    body[field] = "x\x00y" if field != "url" else "https://www.example.com/\x00"
    before = row_counts()
    response = _post_json(client, EVENT_URL, body)
    _assert_refused(response, field, before)


def test_utm_values_read_from_the_event_url_name_the_url(client):
    site = site_make()
    before = row_counts()
    body = {"site": site.public_key, "visitor_id": VISITOR,
            "url": "https://www.example.com/?utm_source=%00x"}  # fmt: skip
    response = _post_json(client, EVENT_URL, body)
    _assert_refused(response, "url (utm_source)", before)
    lead = {"site": site.public_key, "email": "a@example.com",
            "landing_page": "https://www.example.com/?utm_medium=a%00b"}  # fmt: skip
    _assert_refused(_post_json(client, LEAD_URL, lead), "landing_page (utm_medium)", before)


def test_site_in_the_query_string_with_nul_is_a_4xx(client):
    site_make()
    before = row_counts()
    response = _post_json(client, LEAD_URL, {"email": "a@example.com"}, query="?site=abc%00def")
    _assert_refused(response, "site", before)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"email=a%40example.com&first_name=A%00B", "first_name"),
        (b"email=a%40example.com&company=%ff%fe", "company"),  # invalid UTF-8 after decoding
        (b"email=a%40example.com&company=%ed%a0%80", "company"),  # an encoded surrogate
        (b"email=a%40example.com&site=%00", "site"),
        (b"email=a%40example.com&properties%5Bplan%5D=x%00", "properties.plan"),
        (b"email=a%40example.com&na%ffme=x", "form field name"),
    ],
)
def test_form_encoded_nul_and_invalid_utf8_are_a_4xx_naming_the_field(client, body, field):
    site = site_make()
    before = row_counts()
    response = _post_form(client, LEAD_URL, body, query=f"?site={site.public_key}")
    _assert_refused(response, field, before)


def test_a_raw_non_utf8_form_body_is_a_400(client):
    site = site_make()
    response = _post_form(
        client, LEAD_URL, b"email=\xff@example.com", query=f"?site={site.public_key}"
    )
    assert response.status_code == 400


def test_a_broken_url_is_a_4xx_not_a_500(client):
    site = site_make()
    body = {"site": site.public_key, "visitor_id": VISITOR, "url": "http://[::1/x"}
    response = _post_json(client, EVENT_URL, body)
    assert response.status_code == 422 and response.json()["error"]["field"] == "url"


# --- Fuzzing ------------------------------------------------------------------------------

# Text as hostile as JSON can carry: any code point, lone surrogates and NUL included.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    st.text(st.sampled_from(["\x00", "\ud800", "\udc00", "a", "=", "%", "\u2028", "é"]),
            max_size=12),
)  # fmt: skip
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=8,
)
LEAD_KEYS = st.sampled_from(
    ["site", "email", "phone", "name", "first_name", "last_name", "company", "job_title",
     "consent", "consent_version", "properties", "referrer", "landing_page", "visitor_id",
     "redirect", "_gotcha", *UTM_FIELDS]
) | HOSTILE_TEXT  # fmt: skip
EVENT_KEYS = (
    st.sampled_from(["site", "type", "name", "visitor_id", "url", "referrer", "title", *UTM_FIELDS])
    | HOSTILE_TEXT
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(extra=st.dictionaries(LEAD_KEYS, JSON_VALUE, max_size=6), keep_site=st.booleans())
def test_fuzz_lead_json_never_answers_5xx(client, extra, keep_site):
    site = site_make()
    body = {"email": "fuzz@example.com", **extra}
    if keep_site:
        body["site"] = site.public_key
    response = _post_json(client, LEAD_URL, body)
    assert response.status_code < 500, (body, response.content[:300])
    if response.status_code >= 400:
        assert "error" in response.json()


@FUZZ
@given(extra=st.dictionaries(EVENT_KEYS, JSON_VALUE, max_size=6))
def test_fuzz_event_json_never_answers_5xx(client, extra):
    site = site_make()
    body = {"site": site.public_key, "visitor_id": VISITOR, "url": "https://www.example.com/",
            **extra}  # fmt: skip
    response = _post_json(client, EVENT_URL, body)
    assert response.status_code < 500, (body, response.content[:300])


FORM_PART = st.binary(max_size=20).map(lambda raw: quote_from_bytes(raw, safe=""))


@FUZZ
@given(
    pairs=st.lists(st.tuples(LEAD_KEYS.map(lambda k: k.encode("utf-8", "surrogatepass")),
                             st.binary(max_size=24)), max_size=6),
    raw_tail=st.binary(max_size=16),
)  # fmt: skip
def test_fuzz_lead_form_bytes_never_answer_5xx(client, pairs, raw_tail):
    site = site_make()
    parts = [b"email=fuzz%40example.com"]
    parts += [quote_from_bytes(k, safe="").encode() + b"=" + quote_from_bytes(v, safe="").encode()
              for k, v in pairs]  # fmt: skip
    body = b"&".join(parts) + b"&x=" + raw_tail
    response = _post_form(client, LEAD_URL, body, query=f"?site={site.public_key}")
    assert response.status_code < 500, (body, response.content[:300])
