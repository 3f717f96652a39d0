from __future__ import annotations

import pytest

from accord.core import hooks
from accord.core.events import ProductPriceChanged, PromotionStarted


@pytest.fixture
def events():
    """Every ProductPriceChanged and PromotionStarted emitted during the test (the wiring is
    left as it was found)."""
    seen: list[object] = []
    for kind in (ProductPriceChanged, PromotionStarted):
        hooks.on(kind, seen.append)
    yield seen
    for kind in (ProductPriceChanged, PromotionStarted):
        handlers = hooks._handlers[kind]
        handlers.remove(seen.append)
        if not handlers:
            hooks._handlers.pop(kind)
