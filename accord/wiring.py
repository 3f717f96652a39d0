"""What happens when … — every consequence of a lifecycle event, registered in one place.

Lower apps emit the events of ``accord.core.events``; the apps above them subscribe here and
nowhere else, so this module, read top to bottom, is the whole answer. Handlers run in the
order listed, synchronously, inside the emitter's transaction (``accord.core.hooks``).
``accord.web``'s ``ready()`` calls ``wire()``; ``tests/architecture/test_wiring.py`` asserts
the table.
"""

from __future__ import annotations

from accord.core import events, hooks


def wire() -> None:
    """Register every handler (idempotent: ``hooks.on`` ignores a handler it already has)."""
    # Subscriptions are added here as the upward calls move out of the lower apps.
    _ = (events, hooks)
