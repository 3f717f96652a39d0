"""Racing submissions of one person through the production web server lose nothing.

Two holes found by posting concurrently (issue 12, "Concurrency without lost data"):

* 50 concurrent form posts for one e-mail, each adding one property key, kept only 11-14 of
  the 50 keys: the known-person path read the contact's properties without a lock and wrote
  them back whole, so concurrent merges overwrote each other;
* racing e-mail-only, phone-only and e-mail+phone posts for one person answered 500 (and
  lost the submission) when filling a known contact's blank phone hit the unique index on a
  phone another submission had just stored.

Both run through Granian with several processes and threads, against the test database
(SQLite file or PostgreSQL), so the races are the real ones.
"""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from accord.contacts.models import Contact
from accord.tracking.models import Touchpoint
from accord.tracking.tests.capture_support import followups, site_make
from accord.tracking.tests.test_capture_concurrency import free_port, server_start

pytestmark = [pytest.mark.slow]

KEYS = 50
THREADS = 16


class Poster:
    """Posts JSON submissions from many threads at once, one keep-alive connection each."""

    def __init__(self, port: int, site_key: str) -> None:
        self.port = port
        self.site_key = site_key
        self._local = threading.local()

    def post(self, fields: dict) -> tuple[int, str]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = json.dumps({"site": self.site_key, **fields}).encode()
        conn.request("POST", "/capture/lead", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")

    def post_all(self, submissions: list[dict]) -> list[tuple[int, str]]:
        start = threading.Barrier(min(THREADS, len(submissions)))

        def one(fields: dict) -> tuple[int, str]:
            if getattr(self._local, "started", False) is False:
                self._local.started = True
                start.wait(timeout=60)  # every thread's first post leaves together
            return self.post(fields)

        with ThreadPoolExecutor(THREADS) as pool:
            return list(pool.map(one, submissions))


@pytest.fixture
def poster(transactional_db):
    site = site_make()
    port = free_port()
    server = server_start(port)
    try:
        yield Poster(port, site.public_key)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_concurrent_property_merges_keep_every_key(poster):
    # A new person (the first insert wins, the others merge into it) ...
    answers = poster.post_all(
        [{"email": "merge@example.com", "properties": {f"k{i}": i}} for i in range(KEYS)]
    )
    assert [status for status, _ in answers] == [202] * KEYS, answers
    contact = Contact.objects.get(email="merge@example.com")
    assert contact.properties == {f"k{i}": i for i in range(KEYS)}

    # ... and a person already known, 50 more keys at once.
    answers = poster.post_all(
        [{"email": "merge@example.com", "properties": {f"j{i}": i}} for i in range(KEYS)]
    )
    assert [status for status, _ in answers] == [202] * KEYS, answers
    contact.refresh_from_db()
    assert contact.properties == {
        **{f"k{i}": i for i in range(KEYS)},
        **{f"j{i}": i for i in range(KEYS)},
    }
    assert Contact.objects.count() == 1
    assert Touchpoint.objects.filter(contact=contact).count() == 2 * KEYS


PEOPLE = 40
ROUNDS = 3  # each person: ROUNDS x (email only, phone only, email + phone)


def _mixed_submissions() -> list[dict]:
    submissions = []
    for round_ in range(ROUNDS):
        for i in range(PEOPLE):
            email, phone = f"racer{i}@example.com", f"+4420794600{i:02d}"
            submissions += [
                {"email": email, "visitor_id": f"visitor-{i}-{round_}-e"},
                {"phone": phone, "visitor_id": f"visitor-{i}-{round_}-p"},
                {"email": email, "phone": phone, "visitor_id": f"visitor-{i}-{round_}-ep"},
            ]
    return submissions


def test_racing_email_and_phone_posts_lose_no_submission(poster):
    submissions = _mixed_submissions()
    answers = poster.post_all(submissions)

    assert [status for status, _ in answers] == [202] * len(submissions), [
        a for a in answers if a[0] != 202
    ]
    # Every submission is stored: its touch, on the contact the matching rules give it.
    assert Touchpoint.objects.count() == len(submissions)
    assert len(followups()) == len(submissions)
    for fields in submissions:
        touch = Touchpoint.objects.select_related("contact").get(visitor_id=fields["visitor_id"])
        if "email" in fields:  # matched by e-mail first
            assert touch.contact.email == fields["email"]
        else:  # a phone-only post: the contact holding that phone
            assert touch.contact.phone == fields["phone"]
        assert touch.lead_id is not None
    # Deduplicated: at most an e-mail contact and a phone-only contact per person (when the
    # phone-only post came first), never two holding one e-mail or one phone.
    for i in range(PEOPLE):
        email, phone = f"racer{i}@example.com", f"+4420794600{i:02d}"
        people = Contact.objects.filter(email=email) | Contact.objects.filter(phone=phone)
        assert 1 <= people.count() <= 2
        assert Contact.objects.filter(email=email).count() == 1
        assert Contact.objects.filter(phone=phone).count() == 1
