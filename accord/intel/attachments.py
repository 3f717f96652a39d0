"""Attachment files: what may be stored (type read from the content, size from settings),
where (``settings.INTEL_ATTACHMENT_DIR``, under a random name) and how it is read back.

The upload's own name and declared type are never trusted: a ``.png`` holding a Windows
program is a program. The type comes from the first bytes (``filetype``'s signatures); text
has no signature, so a file with none is accepted as plain text only when it decodes as UTF-8
and holds no control characters but tabs and line ends. Nothing here decides who may read a
file: the attachment view asks the policy first.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import filetype
from django.conf import settings
from django.utils.translation import gettext as _

from accord.core.errors import InvalidInput

#: MIME types a post may carry: images, PDF, office documents, archives of them, plain text.
ALLOWED_TYPES: frozenset[str] = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain",
})  # fmt: skip
#: Types a browser may show in place (images); everything else is downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SNIFF_BYTES = 8192
NAME_MAX = 200
_TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 13}


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to store: its shown name, its type and its bytes."""

    name: str
    content_type: str
    data: bytes


def _text_like(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The sniffed window may cut a multi-byte character: retry without the last 3 bytes.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not any(ord(char) in _TEXT_CONTROLS for char in text)


def content_type_of(data: bytes) -> str | None:
    """The MIME type the content shows (None: no signature and not text)."""
    head = data[:SNIFF_BYTES]
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    return "text/plain" if _text_like(head) else None


def _read_limited(stream: IO[bytes], limit: int, name: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(
            _("%(name)s is larger than %(limit)s MB, the limit for an attachment.")
            % {"name": name, "limit": f"{limit / (1024 * 1024):g}"},
            field="attachments",
        )
    return data


def upload_check(*, name: str, stream: IO[bytes]) -> Upload:
    """Read and check one uploaded file; ``InvalidInput`` on ``attachments`` if refused."""
    shown = Path(name or "file").name.strip()[:NAME_MAX] or "file"
    data = _read_limited(stream, settings.INTEL_ATTACHMENT_MAX_BYTES, shown)
    if not data:
        raise InvalidInput(_("%(name)s is empty.") % {"name": shown}, field="attachments")
    content_type = content_type_of(data)
    if content_type not in ALLOWED_TYPES:
        raise InvalidInput(
            _(
                "%(name)s is not an allowed kind of file (its content is %(kind)s). Attach "
                "images, PDF, office documents or plain text."
            )
            % {"name": shown, "kind": content_type or _("unknown")},
            field="attachments",
        )
    return Upload(name=shown, content_type=content_type, data=data)


def uploads_check(files: Iterable[tuple[str, IO[bytes]]]) -> list[Upload]:
    return [upload_check(name=name, stream=stream) for name, stream in files]


def storage_dir() -> Path:
    directory = Path(settings.INTEL_ATTACHMENT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def stored_name_new() -> str:
    return secrets.token_hex(24)


def file_write(*, stored_name: str, data: bytes) -> Path:
    """Write a new file (never over an existing one: ``x`` mode)."""
    path = storage_dir() / stored_name
    with open(path, "xb") as out:
        out.write(data)
    return path


def file_path(stored_name: str) -> Path:
    # Stored names are hex made here; anything else (a tampered row) is not a file of ours.
    if not stored_name or any(c not in "0123456789abcdef" for c in stored_name):
        raise InvalidInput("Not a stored attachment name.", field="attachment_id")
    return storage_dir() / stored_name


def file_remove(stored_name: str) -> None:
    file_path(stored_name).unlink(missing_ok=True)
