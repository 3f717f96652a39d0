"""The pieces of ``bench/multinode.py`` that run in other processes.

* ``python bench/multinode_node.py worker --processes N``: an ``accord worker`` (the same
  ``worker_run``) that also writes evidence into the bench's own tables, each row in the
  transaction that does the work, so a row exists exactly when the work committed:
  ``bench_followup_runs`` (one row per capture follow-up run: ``followup_apply``) and
  ``bench_schedule_runs`` (one row per task the django-q2 scheduler creates from a schedule,
  with the due time it ran for, written in the scheduler's transaction). E-mails go through
  ``RecordingBackend``, which writes one ``bench_emails`` row per message sent.
* ``client_run``: one load client (a forked process) posting its share of requests over
  keep-alive HTTP/1.1 to the node each request names.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

BENCH_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_followup_runs ("
    " touchpoint_id bigint NOT NULL, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_schedule_runs (name text NOT NULL,"
    " due timestamptz, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_emails ("
    " recipient text NOT NULL, subject text NOT NULL, body text NOT NULL,"
    " pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())",
)


def _record(sql: str, params: tuple[Any, ...]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def evidence_install() -> None:
    """Wrap the follow-up and the scheduler's enqueue so that each writes its evidence row."""
    import django_q.scheduler as scheduler

    from accord.tracking.capture import followups

    apply = followups.followup_apply

    def followup_apply(*, lead_id: int, touchpoint_id: int) -> bool:
        _record(
            "INSERT INTO bench_followup_runs (touchpoint_id, pid) VALUES (%s, %s)",
            (touchpoint_id, os.getpid()),
        )
        return apply(lead_id=lead_id, touchpoint_id=touchpoint_id)

    followups.followup_apply = followup_apply
    enqueue = scheduler.async_task

    def async_task(func: Any, *args: Any, **kwargs: Any) -> Any:
        from django_q.models import Schedule

        name = kwargs.get("q_options", {}).get("group") or str(func)
        # The scheduler saves the next run after this call: the row still holds this due time.
        due = Schedule.objects.filter(name=name).values_list("next_run", flat=True).first()
        _record(
            "INSERT INTO bench_schedule_runs (name, due, pid) VALUES (%s, %s, %s)",
            (name, due, os.getpid()),
        )
        return enqueue(func, *args, **kwargs)

    scheduler.async_task = async_task


class RecordingBackend:
    """An e-mail backend that records each message in ``bench_emails`` (committed at once)."""

    def __init__(self, fail_silently: bool = False, **_: Any) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def send_messages(self, messages: list[Any]) -> int:
        for message in messages:
            _record(
                "INSERT INTO bench_emails (recipient, subject, body, pid) VALUES (%s, %s, %s, %s)",
                (",".join(message.to), message.subject, message.body, os.getpid()),
            )
        return len(messages)


def worker_main(processes: int) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    evidence_install()
    from accord.core.jobs import worker_run

    return worker_run(processes=processes, echo=lambda line: None)


# --- The load client ---------------------------------------------------------------------


def http_request(method: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    data = json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


class Connection:
    """A minimal keep-alive HTTP/1.1 client: send a request, read one response."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def exchange(self, request: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection mid-response")
        self.buffer += chunk


def client_run(job: tuple) -> list[tuple[str, int, float, float, bool]]:
    """Send this client's requests ``(kind, port, bytes)`` in order; return for each
    ``(kind, status, sent at (epoch), latency (s), replayed)``."""
    requests, start_at = job
    connections: dict[int, Connection] = {}
    results = []
    while time.time() < start_at:  # every client starts at the same moment
        time.sleep(0.001)
    for kind, port, data in requests:
        conn = connections.setdefault(port, Connection(port))
        sent = time.time()
        began = time.perf_counter()
        try:
            status, headers, _ = conn.exchange(data)
        except OSError:
            conn.close()
            status, headers = 0, {}
        replayed = headers.get(b"idempotent-replayed", b"") == b"true"
        results.append((kind, status, sent, time.perf_counter() - began, replayed))
    for conn in connections.values():
        conn.close()
    return results


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        sys.exit("usage: multinode_node.py worker [--processes N]")
    count = int(sys.argv[3]) if sys.argv[2:3] == ["--processes"] else 2
    sys.exit(worker_main(count))
