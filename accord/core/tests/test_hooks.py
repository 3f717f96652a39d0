"""The hook table: order, idempotent subscription, exceptions reach the emitter."""

from dataclasses import dataclass

import pytest

from accord.core import hooks


@dataclass(frozen=True)
class _Pinged:
    n: int


@pytest.fixture
def pinged_handlers():
    yield
    hooks._handlers.pop(_Pinged, None)


def test_handlers_run_in_registration_order_once_each(pinged_handlers):
    seen: list[str] = []

    def first(event: _Pinged) -> None:
        seen.append(f"first:{event.n}")

    def second(event: _Pinged) -> None:
        seen.append(f"second:{event.n}")

    hooks.on(_Pinged, first)
    hooks.on(_Pinged, second)
    hooks.on(_Pinged, first)  # a second wiring adds nothing
    hooks.emit(_Pinged(7))
    assert seen == ["first:7", "second:7"]
    assert hooks.table()["_Pinged"] == [
        f"{__name__}.test_handlers_run_in_registration_order_once_each.<locals>.first",
        f"{__name__}.test_handlers_run_in_registration_order_once_each.<locals>.second",
    ]


def test_an_event_nobody_listens_to_is_a_no_op():
    hooks.emit(_Pinged(1))  # no handler registered: nothing happens, nothing raises


def test_a_failing_handler_reaches_the_emitter_and_stops_later_ones(pinged_handlers):
    later: list[int] = []

    def broken(event: _Pinged) -> None:
        raise RuntimeError("consequence failed")

    hooks.on(_Pinged, broken)
    hooks.on(_Pinged, lambda event: later.append(event.n))
    with pytest.raises(RuntimeError, match="consequence failed"):
        hooks.emit(_Pinged(3))
    assert later == []


def test_accord_check_wiring_prints_the_registered_table(pinged_handlers):
    from click.testing import CliRunner

    from accord.cli import cli

    hooks.on(_Pinged, _print_me)
    result = CliRunner().invoke(cli, ["check", "wiring"])
    assert result.exit_code == 0, result.output
    assert f"_Pinged\n  1. {__name__}._print_me" in result.output


def _print_me(event: _Pinged) -> None:
    """A handler with a stable name for the CLI test."""
