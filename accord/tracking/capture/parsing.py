"""Reading a capture request's body: size limit, content type, JSON or form fields.

Plain HTML forms post ``application/x-www-form-urlencoded`` (or ``multipart/form-data``);
scripts post JSON. ``navigator.sendBeacon`` cannot send ``application/json`` without a CORS
preflight, so the snippet sends its JSON as ``text/plain``, which is read as JSON too.

Whatever arrives -- query string (``?site=``) and body, keys and values -- is checked for
text no database can store before anything else reads it (``text_storable_check``); a body
that is not UTF-8 or not parseable is a 400, never a 500.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParserError

from accord.tracking.capture.errors import BodyTooLarge, MalformedBody, UnsupportedMediaType
from accord.tracking.capture.validation import text_storable_check

MAX_BODY_BYTES = 64 * 1024
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_TYPES = ("application/json", "text/plain")


@dataclass(frozen=True)
class Payload:
    data: dict[str, Any]
    is_form: bool


def payload_read(request: HttpRequest, *, max_bytes: int = MAX_BODY_BYTES) -> Payload:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise MalformedBody("The Content-Length header is not a number.") from None
    if length > max_bytes:
        raise BodyTooLarge(f"The body is larger than {max_bytes // 1024} KB.")
    text_storable_check(dict(request.GET.items()), field="")
    content_type = (request.content_type or "").lower()
    if content_type in _FORM_TYPES:
        form = _multipart(request) if content_type == "multipart/form-data" else _form(request.body)
        data = _form_fields(form)
        text_storable_check(data, field="")
        return Payload(data=data, is_form=True)
    if content_type in _JSON_TYPES or content_type.endswith("+json"):
        data = _json_object(request.body)
        text_storable_check(data, field="")
        return Payload(data=data, is_form=False)
    raise UnsupportedMediaType(
        "Send JSON (application/json) or form fields (application/x-www-form-urlencoded)."
    )


def _form(body: bytes) -> QueryDict:
    """URL-encoded fields, each name and value strictly UTF-8 after percent-decoding.

    Written out rather than ``QueryDict(body)``, which turns an invalid escape (``%ff``)
    into U+FFFD without a word: here it is a 400 naming the field.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("The form body is not valid UTF-8.") from None
    pairs = [pair for pair in text.split("&") if pair]
    if len(pairs) > (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or len(pairs)):
        raise MalformedBody("The form has too many fields.")
    form = QueryDict(mutable=True)
    for pair in pairs:
        raw_name, _, raw_value = pair.partition("=")
        name = _form_decode(raw_name, field="form field name")
        form.appendlist(name, _form_decode(raw_value, field=name))
    return form


def _form_decode(raw: str, *, field: str) -> str:
    try:
        return unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        label = ascii(field[:64])[1:-1]
        raise MalformedBody(f"{label} is not valid UTF-8.", field=label) from None


def _multipart(request: HttpRequest) -> QueryDict:
    try:
        return request.POST
    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, SuspiciousOperation):
        raise MalformedBody("The multipart form body cannot be read.") from None


def _form_fields(form: QueryDict) -> dict[str, Any]:
    """Last value of each field; ``properties[name]`` fields gathered into one object."""
    data: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for name, value in form.items():
        if name.startswith("properties[") and name.endswith("]"):
            properties[name[len("properties[") : -1]] = str(value)  # items(): last value
        else:
            data[name] = value
    if properties:
        data["properties"] = properties
    return data


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise MalformedBody("The body is empty; expected a JSON object.")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise MalformedBody(f"The body is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise MalformedBody("The body must be a JSON object.")
    return data
