"""The demo's market intelligence: automatic posts, a competitor with a battlecard, a
won/lost story and a brief partly acknowledged; writing it again replaces it."""

from __future__ import annotations

import pytest

from accord.demo import loader
from accord.demo.intel import RIVAL, demo_intel_write
from accord.demo.tests.test_loader import ANCHOR
from accord.intel.models import Post, PostKind, Tag
from accord.intel.selectors import ack_summary, battlecard


@pytest.fixture(autouse=True)
def fast_hasher(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.INTEL_ATTACHMENT_DIR = tmp_path


def test_the_demo_has_intel_worth_reading(db):
    loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=400, chunk_leads=150)
    counts = demo_intel_write()
    kinds = set(Post.objects.values_list("kind", flat=True))
    assert {PostKind.PRICE_CHANGE, PostKind.PROMOTION, PostKind.WIN_LOSS} <= kinds
    assert Post.objects.filter(kind=PostKind.PRICE_CHANGE, author__isnull=False).count() >= 2
    card = battlecard(Tag.objects.get(name=RIVAL))
    assert card.post_count == 3 and card.won + card.lost > 0
    [team] = ack_summary(Post.objects.get(source_key="demo:pricing-brief"))
    assert 0 < team.acknowledged < team.total == counts.asked
    assert team.seen > team.acknowledged
    again = demo_intel_write()
    assert again.posts == counts.posts == Post.objects.count()
