"""Test support for webhooks: a real HTTP receiver on 127.0.0.1, and a queue runner.

The receiver is a ``http.server`` in a thread that records every request and answers from a
script of responses. ``queued_jobs_run`` runs the jobs waiting in django-q2's ORM queue the
way a worker does (decode the signed package, call the function with its kwargs), with
on-commit callbacks executed, as they are after a worker's commit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils.module_loading import import_string
from django_q.models import OrmQ


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers with ``replies`` in order (the last one repeats); records what it got."""

    def __init__(self, replies: list[Reply] | None = None):
        self.replies = list(replies or [Reply()])
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    index = min(len(receiver.requests), len(receiver.replies)) - 1
                    reply = receiver.replies[index]
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def queued_jobs_run(capture_on_commit) -> int:
    """Run (and remove) every queued job once, like a worker; return how many ran."""
    ran = 0
    for row in list(OrmQ.objects.order_by("pk")):
        task = row.task
        with capture_on_commit(execute=True):
            import_string(task["func"])(*task.get("args", ()), **task.get("kwargs", {}))
        row.delete()
        ran += 1
    return ran
