"""Reading a capture request's body: size limit, content type, JSON or form fields.

Plain HTML forms post ``application/x-www-form-urlencoded`` (or ``multipart/form-data``);
scripts post JSON. ``navigator.sendBeacon`` cannot send ``application/json`` without a CORS
preflight, so the snippet sends its JSON as ``text/plain``, which is read as JSON too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, QueryDict

from accord.tracking.capture.errors import BodyTooLarge, MalformedBody, UnsupportedMediaType

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
    content_type = (request.content_type or "").lower()
    if content_type in _FORM_TYPES:
        form = request.POST if content_type == "multipart/form-data" else _form(request.body)
        return Payload(data=_form_fields(form), is_form=True)
    if content_type in _JSON_TYPES or content_type.endswith("+json"):
        return Payload(data=_json_object(request.body), is_form=False)
    raise UnsupportedMediaType(
        "Send JSON (application/json) or form fields (application/x-www-form-urlencoded)."
    )


def _form(body: bytes) -> QueryDict:
    try:
        return QueryDict(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedBody("The form body is not valid UTF-8.") from None


def _form_fields(form: QueryDict) -> dict[str, Any]:
    """Last value of each field; ``properties[name]`` fields gathered into one object."""
    data: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for name, value in form.items():
        if name.startswith("properties[") and name.endswith("]"):
            properties[name[len("properties[") : -1]] = value
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
    except (ValueError, RecursionError) as error:
        raise MalformedBody(f"The body is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise MalformedBody("The body must be a JSON object.")
    return data
