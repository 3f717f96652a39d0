"""deploy/: the compose file's structure, the env example's names, the systemd units.

Docker is not run here (nor in CI): this checks what can be checked without it, so that a
renamed setting or a lost service fails a test rather than an operator's first deployment.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.lstrip().startswith("#")}


def test_compose_has_every_service_and_web_and_workers_share_one_configuration():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    expected = {"postgres", "pgbouncer", "redis", "migrate", "web", "worker", "lb", "clickhouse"}
    assert expected <= set(services)
    assert services["clickhouse"]["profiles"] == ["clickhouse"]
    assert all("image" in service for service in services.values())
    for name in ("web", "worker"):
        service = services[name]  # the x-accord anchor merged in
        assert service["env_file"] == ["accord.env"] and service["deploy"]["replicas"] >= 2
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["environment"]["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    assert services["web"]["command"][:2] == ["accord", "serve"]
    assert services["worker"]["command"] == ["accord", "worker"]
    assert "5432" in services["migrate"]["environment"]["DATABASE_URL"]  # not the pooler
    assert set(compose["volumes"]) >= {"postgres-data", "accord-var"}
    assert (DEPLOY / "Dockerfile").is_file() and (DEPLOY / "Caddyfile").is_file()

    pgbouncer = _env_file(DEPLOY / "pgbouncer.env")
    assert pgbouncer["POOL_MODE"] == "transaction" and int(pgbouncer["MAX_PREPARED_STATEMENTS"])


def test_the_env_example_names_only_real_settings_and_sets_what_pgbouncer_needs():
    example = _env_file(DEPLOY / "accord.env.example")
    settings_text = (ROOT / "config" / "settings.py").read_text()
    unknown = [name for name in example if name.startswith("ACCORD_") and name not in settings_text]
    assert unknown == []
    assert example["ACCORD_DB_TRANSACTION_POOLER"] == "1"
    assert example["DATABASE_URL"].endswith("@pgbouncer:6432/accord")
    assert example["ACCORD_CACHE_URL"].startswith("redis://")


def test_the_worker_unit_stops_its_main_process_first():
    unit = (DEPLOY / "systemd" / "accord-worker.service").read_text()
    assert re.search(r"^KillMode=mixed$", unit, re.M)
    assert re.search(r"^ExecStart=\S+/accord worker$", unit, re.M)
    assert "accord serve" in (DEPLOY / "systemd" / "accord-web.service").read_text()
