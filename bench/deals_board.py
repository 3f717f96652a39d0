"""Server time of the deals board (issue 15 §2, target < 500 ms): one pipeline holding
N open deals (10,000 default), bulk-created, owned by twelve reps of two teams or by nobody,
spread over the pipeline's open stages and twelve close months, with a few hundred won and
lost ones beside them.

It asks ``/deals/?pipeline=bench`` (and two filtered boards) ``--repeat`` times through
Django's test client, in process (the whole view: middleware, the grouped totals query, each
column's first cards, the template), as a sales manager (every deal) and as a rep (own and
unassigned deals), and prints the median and the worst. Nothing is asserted: the figures go
into bench/README.md by hand.

    .venv/bin/python bench/deals_board.py --var-dir /tmp/deals-board
    .venv/bin/python bench/deals_board.py \
        --database-url postgres://postgres@127.0.0.1:5432/accord_pipe_board_bench
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = "bench"


def _postgres_database_ensure(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def build(size: int, seed: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accord.accounts.models import Department, Role, Team, User
    from accord.pipeline.models import Deal, Pipeline, PipelineStage, pipeline_default_id

    pipeline = Pipeline.objects.filter(key=KEY).first()
    if pipeline is not None:
        have = Deal.objects.filter(pipeline=pipeline).exclude(stage__in=["won", "lost"]).count()
        print(f"reusing {have:,} open deals", flush=True)
        return
    rng = random.Random(seed)
    started = time.perf_counter()
    default = Pipeline.objects.get(pk=pipeline_default_id())
    teams = [
        Team.objects.get_or_create(name=f"Bench {n}", department=Department.SALES)[0]
        for n in ("North", "South")
    ]
    reps = []
    for i in range(12):
        rep, _ = User.objects.get_or_create(
            username=f"bench.rep{i}",
            defaults={"role": Role.SALES, "department": "sales", "team": teams[i % 2]},
        )
        reps.append(rep)
    User.objects.get_or_create(
        username="bench.manager",
        defaults={"role": Role.MANAGER, "department": "sales", "team": None},
    )
    now = timezone.now()
    with transaction.atomic():
        pipeline = Pipeline.objects.create(name="Bench pipeline", key=KEY, order=99)
        stages = [
            PipelineStage(
                pipeline=pipeline,
                key=s.key,
                name=s.name,
                order=s.order,
                probability=s.probability,
                forecast_category=s.forecast_category,
                outcome=s.outcome,
                stale_after_days=30 if s.outcome == "open" else None,
            )
            for s in default.stages.all()
        ]
        PipelineStage.objects.bulk_create(stages)
        open_keys = [s.key for s in stages if s.outcome == "open"]
        today = date.today()
        deals = []
        for n in range(size + size // 20):
            closed = n >= size
            deals.append(
                Deal(
                    pipeline=pipeline,
                    name=f"Bench deal {n}",
                    stage=rng.choice(["won", "lost"]) if closed else rng.choice(open_keys),
                    lost_reason="price",
                    amount=Decimal(rng.randrange(500, 200_000)),
                    owner=rng.choice(reps) if rng.random() < 0.85 else None,
                    expected_close=today + timedelta(days=rng.randrange(-30, 360)),
                    stage_entered_at=now - timedelta(days=rng.randrange(0, 90)),
                )
            )
        Deal.objects.bulk_create(deals, batch_size=2000)
    print(f"built {size:,} open deals in {time.perf_counter() - started:.1f} s", flush=True)


def measure(repeat: int) -> None:
    from django.test import Client

    from accord.accounts.models import User

    manager = User.objects.get(username="bench.manager")
    rep = User.objects.get(username="bench.rep0")
    month = date.today().replace(day=1) + timedelta(days=40)
    cases = [
        ("board", f"/deals/?pipeline={KEY}"),
        ("board, one team", f"/deals/?pipeline={KEY}&team={rep.team_id}"),
        ("board, close month + amount", f"/deals/?pipeline={KEY}&month={month:%Y-%m}"
         "&amount_min=10000"),
    ]  # fmt: skip
    for who, user in (("manager", manager), ("rep", rep)):
        client = Client()
        client.force_login(user)
        for label, url in cases:
            client.get(url)  # warm
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            print(
                f"{who:8} {label:30} median {statistics.median(times):6.0f} ms"
                f"  worst {max(times):6.0f} ms",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--var-dir", default="/tmp/accord-deals-board")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    os.environ["ACCORD_VAR_DIR"] = args.var_dir
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        _postgres_database_ensure(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    build(args.size, args.seed)
    measure(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
