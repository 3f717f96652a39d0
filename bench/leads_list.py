"""Server time of the leads list (issue 14 §2): a filter, a search by a rare and a common
surname, a phone search and the global search, on a database of N leads (1,000,000 default).

Builds the database on first use in ``--var-dir`` (SQLite) or ``--database-url``
(PostgreSQL) with the demo's bulk writer (``executemany`` / ``COPY``): accounts, one contact
per lead (names from 2,000 surnames; "Smith" is 1% of people), leads spread over a year,
owned by twelve reps of two teams or by nobody. On SQLite the FTS5 search index is filled by
the migration's triggers as rows go in. A second run reuses what is there.

Then it asks each URL ``--repeat`` times through Django's test client, in process (the
whole view: middleware, queries, template), as a sales manager (sees every lead) and as a
rep (own and unassigned leads), and prints the median and the worst. Nothing is asserted:
the figures go into bench/README.md by hand.

    .venv/bin/python bench/leads_list.py --var-dir /tmp/leads-1m
    .venv/bin/python bench/leads_list.py --size 200000 \
        --database-url postgres://postgres@127.0.0.1:5432/accord_leads_bench
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 50_000
STAGES = (
    ["lead"] * 60
    + ["mql"] * 12
    + ["sal"] * 6
    + ["sql"] * 5
    + ["recycled"] * 10
    + ["disqualified"] * 5
    + ["opportunity"] * 1
    + ["customer"] * 1
)
GRADES = ["A", "B", "C", "D", ""]
KINDS = ["Foods", "Labs", "Logistics", "Bank", "Group"]
RARE = "Quillfeather"  # one surname given to 20 people


def _surnames(rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "dor",
        "vel",
        "tas",
        "bru",
        "nik",
        "sol",
        "mar",
        "ter",
        "pe",
        "zin",
        "gor",
        "ul",
        "fen",
        "rak",
        "by",
        "ost",
    ]
    names = set()
    while len(names) < 2000:
        names.add("".join(rng.choice(syllables) for _ in range(3)).capitalize())
    return sorted(names)


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


def _search_triggers(*, drop: bool) -> None:
    """SQLite: the FTS5 index is filled once after the load (``rebuild``) rather than row by
    row by the triggers, which is several times faster; the triggers come back after."""
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("accord.workspace.migrations.0002_search_indexes")
    with connection.cursor() as cursor:
        for table in ("workspace_contact_fts", "workspace_account_fts"):
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        if drop:
            return
        for statement in migration.SQLITE_FORWARD:
            if statement.startswith("CREATE TRIGGER") or "'rebuild'" in statement:
                cursor.execute(statement)


def build(size: int, seed: int) -> None:
    from django.db import transaction

    from accord.accounts.models import Department, Role, Team, User
    from accord.contacts.models import Lead
    from accord.demo.bulk import rows_write, sequences_reset
    from accord.demo.tables import Rows
    from accord.tracking.models import Channel

    have = Lead.objects.count()
    if have >= size:
        print(f"reusing {have:,} leads", flush=True)
        return
    if have:
        raise SystemExit(f"the database holds {have:,} leads, fewer than {size:,}: use a fresh one")
    rng = random.Random(seed)
    started = time.perf_counter()
    _search_triggers(drop=True)
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
        reps.append(rep.pk)
    User.objects.get_or_create(
        username="bench.manager",
        defaults={"role": Role.MANAGER, "department": "sales", "team": None},
    )
    channels = list(Channel.objects.values_list("pk", flat=True)) or [None]
    surnames = _surnames(rng)
    firsts = [
        "Anna",
        "Boris",
        "Chloe",
        "Dmitri",
        "Elena",
        "Farid",
        "Grace",
        "Hugo",
        "Irina",
        "Jonas",
        "Kira",
        "Liam",
        "Maria",
        "Nikolai",
        "Olga",
        "Pavel",
    ]
    n_accounts = max(size // 20, 10)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    fmt = "%Y-%m-%d %H:%M:%S"
    now = end.strftime(fmt)
    with transaction.atomic():
        rows_write(
            "contacts.Account",
            Rows(
                (
                    "id",
                    "name",
                    "domain",
                    "industry",
                    "country",
                    "properties",
                    "created_at",
                    "updated_at",
                ),
                [
                    (
                        i,
                        f"{rng.choice(surnames)} {rng.choice(KINDS)} {i}",
                        f"acct{i}.example",
                        "",
                        "",
                        "{}",
                        now,
                        now,
                    )
                    for i in range(1, n_accounts + 1)
                ],
            ),
        )
    print(f"{n_accounts:,} accounts", flush=True)
    for start in range(1, size + 1, CHUNK):
        ids = range(start, min(start + CHUNK, size + 1))
        contacts, leads = [], []
        for i in ids:
            last = "Smith" if i % 100 == 0 else rng.choice(surnames)
            last = RARE if i <= 20 else last
            first = rng.choice(firsts)
            created = (end - timedelta(seconds=rng.randrange(365 * 86400))).strftime(fmt)
            contacts.append(
                (
                    i,
                    f"{first.lower()}.{last.lower()}.{i}@mail{i % 97}.example",
                    f"+7916{i:07d}",
                    first,
                    last,
                    "",
                    rng.randrange(1, n_accounts + 1),
                    "{}",
                    created,
                    created,
                )
            )
            owner = rng.choice(reps) if rng.random() < 0.7 else None
            team = None
            leads.append(
                (
                    i,
                    i,
                    rng.choice(STAGES),
                    created,
                    True,
                    rng.randrange(0, 100),
                    rng.choice(GRADES),
                    owner,
                    team,
                    rng.choice(channels),
                    None,
                    "{}",
                    created,
                    created,
                )
            )
        with transaction.atomic():
            rows_write(
                "contacts.Contact",
                Rows(
                    (
                        "id",
                        "email",
                        "phone",
                        "first_name",
                        "last_name",
                        "job_title",
                        "account_id",
                        "properties",
                        "created_at",
                        "updated_at",
                    ),
                    contacts,
                ),
            )
            rows_write(
                "contacts.Lead",
                Rows(
                    (
                        "id",
                        "contact_id",
                        "stage",
                        "stage_changed_at",
                        "is_open",
                        "score",
                        "grade",
                        "owner_id",
                        "team_id",
                        "source_channel_id",
                        "source_campaign_id",
                        "properties",
                        "created_at",
                        "updated_at",
                    ),
                    leads,
                ),
            )
        done = min(start + CHUNK - 1, size)
        print(f"  {done:,} leads ({time.perf_counter() - started:.0f} s)", flush=True)
    sequences_reset(["contacts.Account", "contacts.Contact", "contacts.Lead"])
    _search_triggers(drop=False)
    print(f"  search index built ({time.perf_counter() - started:.0f} s)", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {size:,} leads in {time.perf_counter() - started:.0f} s", flush=True)


def measure(repeat: int) -> None:
    from django.test import Client

    from accord.accounts.models import User

    urls = [
        ("list, newest first", "/leads/"),
        ("filter: stage=mql", "/leads/?stage=mql"),
        (
            "filter: stage + grade + score range, by score",
            "/leads/?stage=mql&grade=A&score_min=50&sort=-score",
        ),
        (f"search: rare surname ({RARE}, 20 people)", f"/leads/?q={RARE}"),
        ("search: common surname (Smith, 1%)", "/leads/?q=Smith"),
        ("search + filter: Smith, stage=mql", "/leads/?q=Smith&stage=mql"),
        ("search: phone digits '+7 (916) 000-12'", "/leads/?q=%2B7+%28916%29+000-12"),
        ("search: e-mail part 'mail42.example'", "/leads/?q=mail42.example"),
        ("global search: Smith", "/search/?q=Smith"),
    ]
    for who in ("bench.manager", "bench.rep0"):
        client = Client()
        client.force_login(User.objects.get(username=who))
        print(f"\nas {who} (median / worst of {repeat}, server time in process)")
        for label, url in urls:
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            rows = response.content.count(b"data-lead=")
            print(
                f"  {label:<48} {statistics.median(times):7.1f} ms  {max(times):7.1f} ms"
                f"  ({rows} rows shown)",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--var-dir", default="/tmp/accord-leads-bench")
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
