"""The lifecycle hook table: how a lower app lets higher apps react without importing them.

``contacts`` must not know that an MQL is routed (``handoff``), that a changed lead is rescored
(``scoring``) or that a webhook fires (``integrations``): those apps sit above it. So the lower
app *emits* a frozen event (``accord.core.events``) and the higher apps *subscribe* to it. Every
subscription is made in one module, ``accord.wiring``, which reads top to bottom as the answer to
"what happens when …".

Not Django signals, on purpose: handlers here run synchronously, inside the emitter's
transaction, in registration order, and an exception propagates to the emitter (so a failed
consequence rolls the cause back, as the direct calls did). Signals give none of that in writing,
allow receivers to attach from anywhere, and hide the order.

``emit`` is on the capture hot path (tens of thousands of leads a second in bench), so it is a
dict lookup and a loop; nothing is allocated when an event has no handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")

_handlers: dict[type, list[Callable[[Any], None]]] = {}


def on(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Subscribe ``handler`` to ``event_type``. Subscribing the same handler twice is a no-op,
    so wiring twice (a second ``ready()`` in tests) never runs a consequence twice."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def emit(event: object) -> None:
    """Run every handler of ``type(event)``, in registration order, in the caller's transaction."""
    for handler in _handlers.get(type(event), ()):
        handler(event)


def table() -> dict[str, list[str]]:
    """The wiring as names (event → handlers, in order): what ``accord check wiring`` and the
    tests read."""
    return {
        event_type.__name__: [f"{h.__module__}.{h.__qualname__}" for h in handlers]
        for event_type, handlers in _handlers.items()
    }
