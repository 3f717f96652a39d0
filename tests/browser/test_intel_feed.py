"""A marketer posts intel and asks the SMB team to acknowledge it; a rep opens the feed,
expands the post (it counts as seen), acknowledges it on its page, and the count the author
sees moves from "0 of 2" to "1 of 2" (issue 16 §2). The intel pages pass axe-core in English
and Russian and do not scroll sideways at 1280 px."""

from __future__ import annotations

import re

import pytest

from accord.accounts.models import Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.intel.models import Post, Receipt, Tag
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_accessibility import DESKTOP, _check
from tests.browser.test_accessibility import axe_source as axe_source  # the fixture
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path):
    settings.INTEL_ATTACHMENT_DIR = tmp_path / "intel-files"


@pytest.mark.parametrize(("language", "counted"), [("en", "SMB: {} of 2 acknowledged"),
                                                   ("ru", "SMB: подтвердили {} из 2")])  # fmt: skip
def test_a_rep_acknowledges_and_the_author_sees_the_count_move(
    browser,
    live_server,
    axe_source,
    language,
    counted,
):
    team = Team.objects.create(name="SMB", department="sales")
    marketer = UserFactory(username=f"mia-{language}", role=Role.MARKETING, department="marketing")
    rep = UserFactory(username=f"anna-{language}", role=Role.SALES, department="sales", team=team)
    UserFactory(username=f"ben-{language}", role=Role.SALES, department="sales", team=team)

    author = browser_context(browser, live_server.url)
    author.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = author.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size(DESKTOP)
    log_in(page, marketer.username)
    page.goto("/intel/new/")
    page.select_option("#id_kind", "competitor_move")
    page.fill("#id_title", "Northwind cuts SMB prices by 20%")
    page.fill("#id_body", f"Seen in two deals this week. @{rep.username} please check.")
    page.fill("#id_competitors", "Northwind CRM")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "prices.txt", "mimeType": "text/plain", "buffer": b"Growth: 45 EUR"}],
    )
    page.get_by_label("SMB").check()
    page.click("button[type=submit].button-primary")
    page.wait_for_url(re.compile(r"/intel/\d+/$"))
    post = Post.objects.get()
    count = page.locator(".intel-ack-count")
    assert counted.format(0) in count.inner_text()
    screenshot(page, f"intel-post-{language}")

    reader = browser_context(browser, live_server.url)
    reader.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    rep_page = reader.new_page()
    rep_page.set_default_timeout(20_000)
    rep_page.set_viewport_size(DESKTOP)
    log_in(rep_page, rep.username)
    rep_page.goto("/intel/")
    item = rep_page.locator(f"#post-{post.pk}")
    assert "intel-unread" in item.get_attribute("class")
    # Expanding the post in the feed records that the rep has seen it.
    with rep_page.expect_response(lambda r: r.url.endswith(f"/intel/{post.pk}/seen/")):
        item.locator("summary").click()
    assert Receipt.objects.get(user=rep).seen_at is not None
    rep_page.goto(f"/intel/{post.pk}/")
    rep_page.locator("#acknowledgements button[type=submit]").first.click()
    rep_page.wait_for_function(
        "text => document.querySelector('.intel-ack-count').innerText.includes(text)",
        arg=counted.format(1),
    )
    # The attachment is served through the policy-checked view, as plain text.
    with rep_page.expect_download() as download:
        rep_page.locator("a", has_text="prices.txt").click()
    assert download.value.suggested_filename == "prices.txt"

    page.reload()
    assert counted.format(1) in page.locator(".intel-ack-count").inner_text()

    problems: dict[str, object] = {}
    tag = Tag.objects.get(name="Northwind CRM")
    for path in ("/intel/", f"/intel/{post.pk}/", "/intel/new/", "/intel/competitors/",
                 f"/intel/competitors/{tag.pk}/"):  # fmt: skip
        _check(page, axe_source, path, problems, shot=f"intel-{language}")
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
    author.close()
    reader.close()
    assert_no_page_problems(author)
    assert_no_page_problems(reader)
