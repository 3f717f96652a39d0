"""Turning untrusted capture fields into typed submissions; pure, no database.

Every refusal is an ``InvalidInput`` naming the field. JSON bodies are strict (an unknown
key is an error, so typos surface); form bodies ignore unknown fields, because plain HTML
forms carry buttons and other inputs of the host page.

Text no database can store is refused first, in every field, key and nested value
(``text_storable_check``): NUL (PostgreSQL text cannot hold it) and lone UTF-16 surrogates
(``"\\ud800"`` in JSON: not encodable as UTF-8, so neither database nor response can carry
it). Each used to end in a 500 when the row was written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from accord.contacts.rules import email_normalise, phone_normalise
from accord.core.errors import InvalidInput
from accord.tracking.inputs import Utm

# Formspree's convention: a field humans never see (hidden by CSS) that bots fill in.
HONEYPOT_FIELD = "_gotcha"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
MAX_PROPERTIES = 50
MAX_PROPERTY_KEY = 64
MAX_PROPERTY_TEXT = 1000
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_PROPERTY_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_TRUE = frozenset({"1", "true", "on", "yes"})
_FALSE = frozenset({"", "0", "false", "off", "no"})

Scalar = str | int | float | bool | None
#: The signed token an auditor mints on /audits/ (``accord.accounts.shopper_tokens``).
TEST_LEAD_TOKEN = "test_lead_token"

_LEAD_FIELDS = frozenset(
    {
        "site", "email", "phone", "name", "first_name", "last_name", "company", "job_title",
        "consent", "consent_version", "consent_marketing", "consent_transfer",
        "consent_language", "properties", "referrer", "landing_page",
        "visitor_id", "redirect", HONEYPOT_FIELD, TEST_LEAD_TOKEN, *UTM_FIELDS,
    }
)  # fmt: skip
#: Ways a sender might try to mark a lead as a test without the auditor's token: refused by
#: name (a form body would otherwise drop them silently, and the lead count as real).
_TEST_FLAGS = ("is_test", "test", "test_lead")
_EVENT_FIELDS = frozenset(
    {"site", "type", "name", "visitor_id", "url", "referrer", "title", "consent", *UTM_FIELDS}
)
EVENT_TYPES = {"page_view": "page_view", "event": "event"}


@dataclass(frozen=True)
class LeadSubmission:
    email: str | None
    phone: str | None
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    job_title: str = ""
    consent: bool | None = None  # processing of personal data
    consent_version: str = ""
    consent_marketing: bool | None = None
    consent_transfer: bool | None = None
    consent_language: str = ""  # the language the consent text was shown in
    source_ip: str = ""  # set by the view when the submission carries consent
    properties: dict[str, Scalar] = field(default_factory=dict)
    utm: Utm = field(default_factory=lambda: Utm())
    referrer: str = ""
    landing_page: str = ""
    visitor_id: str = ""
    redirect: str = ""
    #: An auditor's signed token: the lead is a test lead (checked by the endpoint).
    test_lead_token: str = ""

    @property
    def consent_given(self) -> bool:
        """At least one consent box was ticked. What each box grants, and the ledger that
        records it, are ``accord.privacy``'s (it subscribes to ``ConsentSubmitted``)."""
        return bool(self.consent or self.consent_marketing or self.consent_transfer)


@dataclass(frozen=True)
class PageEvent:
    type: str
    visitor_id: str
    url: str
    referrer: str = ""
    title: str = ""
    name: str = ""
    utm: Utm = field(default_factory=lambda: Utm())


# NUL, and the surrogate range U+D800..U+DFFF (valid UTF-8 never decodes to these).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAX_DEPTH = 20


def _field_label(text: str) -> str:
    """A field name safe to echo back (escaped when it holds unstorable characters)."""
    text = text[:64]
    return ascii(text)[1:-1] if _UNSTORABLE.search(text) else text


def _unstorable_refuse(where: str, text: str) -> None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return
    what = "a NUL character" if found.group() == "\x00" else "an unpaired UTF-16 surrogate"
    raise InvalidInput(f"{where} contains {what}, which cannot be stored.", field=where)


def text_storable_check(value: Any, *, field: str, depth: int = 0) -> None:
    """Refuse NUL and lone surrogates anywhere in ``value`` (keys of objects included),
    naming the field: ``properties.plan``, ``tags.2``..."""
    if depth > _MAX_DEPTH:
        raise InvalidInput(f"{field} is nested too deeply.", field=field)
    if isinstance(value, str):
        _unstorable_refuse(field, value)
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            where = f"{field}.{_field_label(key_text)}" if field else _field_label(key_text)
            _unstorable_refuse(where, key_text)
            text_storable_check(item, field=where, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            text_storable_check(item, field=f"{field}.{index}", depth=depth + 1)


def honeypot_filled(data: dict[str, Any]) -> bool:
    value = data.get(HONEYPOT_FIELD)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def lead_submission_parse(
    data: dict[str, Any], *, is_form: bool, default_region: str = ""
) -> LeadSubmission:
    for flag in _TEST_FLAGS:
        if flag in data:
            raise InvalidInput(
                "Only an auditor's signed test_lead_token marks a lead as a test; "
                "nothing was saved.",
                field=flag,
            )
    if not is_form:
        _unknown_refuse(data, _LEAD_FIELDS)
    email_raw = _text(data, "email", 254)
    phone_raw = _text(data, "phone", 40)
    if not email_raw and not phone_raw:
        raise InvalidInput("An email or a phone number is required.", field="email")
    email = email_normalise(email_raw) if email_raw else None
    phone = phone_normalise(phone_raw, default_region=default_region or None) if phone_raw else None
    first_name = _text(data, "first_name", 120)
    last_name = _text(data, "last_name", 120)
    name = _text(data, "name", 240)
    if name and not (first_name or last_name):
        first_name, _, last_name = name.partition(" ")
        first_name, last_name = first_name[:120], last_name.strip()[:120]
    landing_page = _url(data, "landing_page")
    return LeadSubmission(
        email=email,
        phone=phone,
        first_name=first_name,
        last_name=last_name,
        company=_text(data, "company", 200),
        job_title=_text(data, "job_title", 160),
        consent=_flag(data, "consent", is_form=is_form),
        consent_version=_text(data, "consent_version", 64),
        consent_marketing=_flag(data, "consent_marketing", is_form=is_form),
        consent_transfer=_flag(data, "consent_transfer", is_form=is_form),
        consent_language=_text(data, "consent_language", 8).lower(),
        properties=_properties(data.get("properties")),
        utm=_utm(data, landing_page, url_field="landing_page"),
        referrer=_url(data, "referrer"),
        landing_page=landing_page,
        visitor_id=_visitor_id(data, required=False),
        redirect=_url(data, "redirect"),
        test_lead_token=_text(data, TEST_LEAD_TOKEN, 400),
    )


def page_event_parse(data: dict[str, Any]) -> PageEvent:
    _unknown_refuse(data, _EVENT_FIELDS)
    kind = _text(data, "type", 20) or "page_view"
    if kind not in EVENT_TYPES:
        raise InvalidInput(
            f"Unknown event type {kind!r}; expected one of: {', '.join(EVENT_TYPES)}.",
            field="type",
        )
    url = _url(data, "url")
    if not url:
        raise InvalidInput("The page URL is required.", field="url")
    return PageEvent(
        type=EVENT_TYPES[kind],
        visitor_id=_visitor_id(data, required=True),
        url=url,
        referrer=_url(data, "referrer"),
        title=_text(data, "title", 300),
        name=_text(data, "name", 100),
        utm=_utm(data, url, url_field="url"),
    )


def _unknown_refuse(data: dict[str, Any], known: frozenset[str]) -> None:
    for key in data:
        if key not in known:
            raise InvalidInput(f"Unknown field {str(key)[:64]!r}.", field=str(key)[:64])


def _text(data: dict[str, Any], name: str, max_length: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string.", field=name)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"{name} is longer than {max_length} characters.", field=name)
    return value


def _url(data: dict[str, Any], name: str) -> str:
    value = _text(data, name, 2000)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1"
        raise InvalidInput(f"{name} is not a valid URL.", field=name) from None
    # Only web addresses: a stored "javascript:" URL would be an XSS waiting for a link.
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"{name} must be an http(s) URL.", field=name)
    return value


def _flag(data: dict[str, Any], name: str, *, is_form: bool) -> bool | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if is_form and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidInput(f"{name} must be true or false.", field=name)


def _visitor_id(data: dict[str, Any], *, required: bool) -> str:
    value = _text(data, "visitor_id", 64)
    if not value:
        if required:
            raise InvalidInput("The visitor id is required.", field="visitor_id")
        return ""
    if not _VISITOR_ID.fullmatch(value):
        raise InvalidInput(
            "visitor_id must be 8-64 letters, digits, '-' or '_'.", field="visitor_id"
        )
    return value


def _properties(value: Any) -> dict[str, Scalar]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("properties must be an object.", field="properties")
    if len(value) > MAX_PROPERTIES:
        raise InvalidInput(f"properties has more than {MAX_PROPERTIES} keys.", field="properties")
    clean: dict[str, Scalar] = {}
    for key, item in value.items():
        if not _PROPERTY_KEY.fullmatch(key):
            raise InvalidInput(
                "Property names are 1-64 letters, digits, '_', '.' or '-'.",
                field=f"properties.{key[:64]}",
            )
        where = f"properties.{key}"
        if isinstance(item, str):
            if len(item) > MAX_PROPERTY_TEXT:
                raise InvalidInput(
                    f"{where} is longer than {MAX_PROPERTY_TEXT} characters.", field=where
                )
            clean[key] = item.strip()
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInput(f"{where} must be a finite number.", field=where)
        elif item is None or isinstance(item, bool | int | float):
            clean[key] = item
        else:
            raise InvalidInput(f"{where} must be a string, number, boolean or null.", field=where)
    return clean


def _utm(data: dict[str, Any], page_url: str, *, url_field: str) -> Utm:
    """UTM fields as sent, or else read from the page URL's query string (``url_field``)."""
    from_url = parse_qs(urlsplit(page_url).query) if page_url else {}
    utm: dict[str, str] = {}
    for name in UTM_FIELDS:
        value = _text(data, name, 200)
        if not value:
            value = (from_url.get(name) or [""])[-1].strip()[:200]
            # %00 in the page's query string decodes to NUL: name the URL that carried it.
            _unstorable_refuse(f"{url_field} ({name})", value)
        if value:
            utm[name] = value
    return cast(Utm, utm)  # only the five UTM_FIELDS keys
