"""The `accord` command as people run it: help, errors and exit codes, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection

from accord.accounts.models import Role, User
from accord.cli import cli

COMMANDS = [
    "demo",
    "serve",
    "worker",
    "migrate",
    "createuser",
    "import",
    "export",
    "apikey",
    "site",
    "security",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert command in result.output


def test_unknown_command_fails_with_usage():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


@pytest.mark.django_db
def test_createuser_creates_a_user_with_the_role():
    result = CliRunner().invoke(
        cli, ["createuser", "olga", "--role", "marketing", "--password", "Long-enough-pass-42"]
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="olga")
    assert user.role == Role.MARKETING
    assert user.check_password("Long-enough-pass-42")


@pytest.mark.django_db
def test_createuser_refuses_bad_input_without_writing():
    runner = CliRunner()
    bad_role = runner.invoke(cli, ["createuser", "x", "--role", "king", "--password", "p"])
    assert bad_role.exit_code == 2 and "king" in bad_role.output
    weak = runner.invoke(cli, ["createuser", "y", "--role", "sales", "--password", "123"])
    assert weak.exit_code != 0
    assert not User.objects.filter(username__in=["x", "y"]).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_serve_answers_pages_and_static_files_with_debug_off(tmp_path: Path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "ACCORD_VAR_DIR": str(tmp_path),
        "ACCORD_DEBUG": "0",
        "ACCORD_SECRET_KEY": "a-test-secret-key-" + "x" * 40,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                login = urllib.request.urlopen(f"{base}/login/", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    output = server.stdout.read().decode() if server.poll() is not None else ""
                    pytest.fail(f"accord serve did not answer on {base}: {output}")
                time.sleep(0.3)
        assert login.status == 200
        assert b"csrfmiddlewaretoken" in login.read()
        plotly = urllib.request.urlopen(f"{base}/static/vendor/plotly/plotly.min.js", timeout=10)
        assert plotly.status == 200
        assert len(plotly.read()) > 1_000_000
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/no-such-page/", timeout=5)
        assert missing.value.code == 404
        assert b"Traceback" not in missing.value.read()  # debug pages are off
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def test_serve_refuses_the_development_secret_key_unless_debug(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("ACCORD_SECRET_KEY", "ACCORD_DEBUG")}
    env["ACCORD_VAR_DIR"] = str(tmp_path)
    refused = subprocess.run(
        [sys.executable, "-m", "accord.cli", "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "ACCORD_SECRET_KEY" in refused.stderr
    assert "development secret key" in refused.stderr


@pytest.mark.django_db
def test_site_create_prints_the_snippet_and_refuses_bad_origins():
    from accord.tracking.models import CaptureSite

    runner = CliRunner()
    created = runner.invoke(cli, ["site", "create", "Shop", "--origin", "https://shop.example"])
    assert created.exit_code == 0, created.output
    site = CaptureSite.objects.get(name="Shop")
    assert site.allowed_origins == ["https://shop.example"]
    assert f'data-site="{site.public_key}"' in created.output

    bad = runner.invoke(cli, ["site", "create", "Bad", "--origin", "shop.example/path"])
    assert bad.exit_code == 2
    assert "allowed_origins" in bad.output
    assert not CaptureSite.objects.filter(name="Bad").exists()
    listed = runner.invoke(cli, ["site", "list"])
    assert site.public_key in listed.output and "Bad" not in listed.output
