"""Import pages: upload → column mapping → preview with per-row errors → import.

The uploaded file waits under ``IMPORT_UPLOAD_DIR`` (``VAR_DIR/imports``; a directory every
web node shares when there are several) named by a random token; the token and the choices
made so far live in the person's session, so nobody can reach another person's upload and no
table is needed. Admins, marketers and managers may import; sales reps may not.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import InvalidInput
from accord.integrations.forms import ENTITY_CHOICES, MappingForm, UploadForm, upload_max_bytes
from accord.integrations.importing.history import import_recorded
from accord.integrations.importing.reading import CsvSource
from accord.integrations.importing.schemas import SCHEMAS
from accord.integrations.importing.service import import_run
from accord.integrations.importing.sniff import file_format_detect
from accord.integrations.importing.validate import mapping_suggest
from accord.integrations.models import ImportRecord
from accord.ui.paging import paged

SESSION_KEY = "imports"
PREVIEW_ROWS = 10
PREVIEW_ERRORS = 200
RECENT_IMPORTS = 5
ENTITY_LABELS = dict(ENTITY_CHOICES)


def _import_allowed(request: PageRequest) -> None:
    policy.page_require(request.user, "import")


def _imports_dir() -> Path:
    folder = Path(settings.IMPORT_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pending(request: PageRequest, token: str) -> tuple[dict, Path]:
    state = request.session.get(SESSION_KEY, {}).get(token)
    path = _imports_dir() / f"{token}.csv"
    if state is None or not path.is_file():
        raise Http404
    return state, path


def _pending_save(request: PageRequest, token: str, state: dict) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = state
    request.session[SESSION_KEY] = pending


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: PageRequest) -> HttpResponse:
    _import_allowed(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = secrets.token_urlsafe(16)
        with (_imports_dir() / f"{token}.csv").open("wb") as target:
            for chunk in form.cleaned_data["file"].chunks():
                target.write(chunk)
        _pending_save(
            request,
            token,
            {
                "entity": form.cleaned_data["entity"],
                "name": form.cleaned_data["file"].name,
                "preset": form.cleaned_data["preset"] or None,
            },
        )
        return redirect("imports:mapping", token=token)
    context = {
        "form": form,
        "max_bytes": upload_max_bytes(),
        "recent": ImportRecord.objects.select_related("user")[:RECENT_IMPORTS],
    }
    return render(request, "integrations/import_upload.html", context)


@login_required
def history(request: PageRequest) -> HttpResponse:
    _import_allowed(request)
    entity = request.GET.get("entity") or ""
    records = ImportRecord.objects.select_related("user")
    if entity in ENTITY_LABELS:
        records = records.filter(entity=entity)
    context = {
        "listed": paged(request, records, per_page=50),
        "entity": entity,
        "entities": list(ENTITY_LABELS.items()),
    }
    return render(request, "integrations/import_history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: PageRequest, token: str) -> HttpResponse:
    _import_allowed(request)
    state, path = _pending(request, token)
    fmt = file_format_detect(path)
    header = CsvSource(path=path, format=fmt).header()
    schema = SCHEMAS[state["entity"]]
    suggested = mapping_suggest(header, schema, preset=state["preset"])
    form = MappingForm(
        request.POST or None,
        entity=state["entity"],
        header=header,
        suggested=suggested,
        initial={"timezone": state.get("timezone", "UTC")},
    )
    if request.method == "POST" and form.is_valid():
        state.update(
            mapping=form.mapping(),
            timezone=form.cleaned_data["timezone"],
            skip_invalid=form.cleaned_data["skip_invalid"],
        )
        _pending_save(request, token, state)
        return redirect("imports:preview", token=token)
    return render(
        request,
        "integrations/import_mapping.html",
        {"form": form, "state": state, "format": fmt, "token": token},
    )


def _run(state: dict, path: Path, *, dry_run: bool):
    return import_run(
        entity=state["entity"],
        path=path,
        mapping=state.get("mapping"),
        preset=state.get("preset"),
        dry_run=dry_run,
        skip_invalid=state.get("skip_invalid", False),
        timezone_name=state.get("timezone", "UTC"),
        rejects_path=path.with_name(f"{path.stem}.rejected.csv"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: PageRequest, token: str) -> HttpResponse:
    _import_allowed(request)
    state, path = _pending(request, token)
    if "mapping" not in state:
        return redirect("imports:mapping", token=token)
    try:
        report = _run(state, path, dry_run=request.method != "POST")
    except InvalidInput as error:
        return render(
            request,
            "integrations/import_mapping_error.html",
            {"error": error, "token": token},
            status=422,
        )
    if request.method == "POST":
        state["rejects"] = bool(report.rejects_path)
        _pending_save(request, token, state)
        import_recorded(
            report=report,
            file_name=state.get("name") or path.name,
            source=ImportRecord.Source.WEB,
            user=request.user,
        )
        return render(
            request,
            "integrations/import_result.html",
            {"report": report, "state": state, "token": token},
        )
    errors_by_row: dict[int, list] = {}
    for row_error in report.errors:
        errors_by_row.setdefault(row_error.row, []).append(row_error)
    source = CsvSource(path=path, format=file_format_detect(path))
    header: list[str] = []
    rows = []
    for row, values in source.records():
        if row == 1:
            header = values
            continue
        if row > PREVIEW_ROWS + 1:
            break
        rows.append({"number": row, "values": values, "errors": errors_by_row.get(row, [])})
    return render(
        request,
        "integrations/import_preview.html",
        {
            "report": report,
            "state": state,
            "token": token,
            "header": header,
            "rows": rows,
            "errors": report.errors[:PREVIEW_ERRORS],
            "more_errors": max(len(report.errors) - PREVIEW_ERRORS, 0),
            "can_import": not report.errors or state.get("skip_invalid"),
        },
    )


@login_required
def rejects(request: PageRequest, token: str) -> FileResponse:
    _import_allowed(request)
    _, path = _pending(request, token)
    rejected = path.with_name(f"{path.stem}.rejected.csv")
    if not rejected.is_file():
        raise Http404
    return FileResponse(
        rejected.open("rb"), as_attachment=True, filename="rejected.csv", content_type="text/csv"
    )
