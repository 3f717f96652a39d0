"""The one NinjaAPI of Accord, mounted at /api/v1/. Apps contribute routers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from accord.core.errors import DomainError

api = NinjaAPI(
    title="Accord API",
    version="1",
    urls_namespace="api-v1",
    auth=SessionAuth(),
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": error.as_dict()}, status=error.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    location = [str(part) for part in first.get("loc", []) if part not in {"body", "payload"}]
    body = {
        "error": {
            "code": "invalid",
            "message": first.get("msg", "Invalid request."),
            "field": ".".join(location) or None,
        },
        "errors": error.errors,
    }
    return api.create_response(request, body, status=422)


def _register_routers() -> None:
    from accord.contacts.api import router as leads_router

    api.add_router("/leads", leads_router)


_register_routers()
