"""Where the demo's e-mails go: files under ``var/demo-mail/``, not the terminal.

``accord demo`` runs its web server and worker with this backend, so the SLA warnings and
escalations of the simulated company do not bury the logins in the terminal; each message is
one ``.log`` file there, to read when curious.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend

BACKEND = "accord.demo.mail.DemoMailBackend"


def demo_mail_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo-mail"


class DemoMailBackend(EmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs: Any) -> None:
        path = file_path or str(demo_mail_dir())
        Path(path).mkdir(parents=True, exist_ok=True)
        super().__init__(file_path=path, **kwargs)
