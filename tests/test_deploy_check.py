"""`check --deploy` with the documented production environment prints 0 warnings.

The environment is the one README's "Security and privacy" section documents; the check
runs in a fresh process, as an operator (and CI, via `make lint`) runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The documented production environment (README), with a generated secret key.
PRODUCTION_ENV = {
    "ACCORD_SECRET_KEY": "k7Qw2-vX9pL3mN8rT5yB1cF6hJ4sD0gA-zE7uI2oP9qW3eR5tY8uI1oP4aS6dF",
    "ACCORD_ALLOWED_HOSTS": "crm.example.com",
    "ACCORD_CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
    "ACCORD_SECURE_COOKIES": "1",
    "ACCORD_SSL_REDIRECT": "1",
    "ACCORD_HSTS_SECONDS": "31536000",
    "ACCORD_HSTS_INCLUDE_SUBDOMAINS": "1",
    "ACCORD_HSTS_PRELOAD": "1",
    "ACCORD_TRUSTED_PROXY_COUNT": "1",
}


def _check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    # The test run sets this for its live-server browser tests (`make test`); a production
    # environment never does, and `check --deploy` rightly refuses it.
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--settings=config.settings"],
        env={**base, "ACCORD_VAR_DIR": str(tmp_path), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_check_deploy_with_the_production_environment_has_no_warnings(tmp_path):
    result = _check_deploy(PRODUCTION_ENV, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output.upper(), output


@pytest.mark.slow
def test_check_deploy_without_it_warns_about_each_missing_setting(tmp_path):
    """The check is not vacuous: the default (demo) environment is flagged."""
    result = _check_deploy({}, tmp_path)
    output = result.stdout + result.stderr
    for warning in ("security.W004", "security.W008", "security.W009", "security.W012"):
        assert warning in output, output
    assert "security.W016" in output


@pytest.mark.slow
def test_production_environment_turns_on_https_settings(tmp_path):
    """Each documented variable lands in the Django setting it promises."""
    probe = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS, s.CAPTURE_TRUSTED_PROXY_COUNT)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {probe}"],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ACCORD_VAR_DIR": str(tmp_path),
            **PRODUCTION_ENV,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True", "True", "True", "31536000", "True", "True",
        "('HTTP_X_FORWARDED_PROTO',", "'https')", "['https://crm.example.com']", "1",
    ]  # fmt: skip
