"""Stored JSON objects read in bulk: one parse per distinct text, anything else is empty."""

from __future__ import annotations

from accord.scoring.json_objects import ObjectReader


def test_objects_are_parsed_once_per_text_and_everything_else_reads_empty():
    read = ObjectReader().read
    first = read('{"plan": "pro", "seats": 5}')
    assert first == {"plan": "pro", "seats": 5}
    assert read('{"plan": "pro", "seats": 5}') is first  # the same text: the same dict
    assert read('{"plan": "basic"}') == {"plan": "basic"}
    for other in (None, "", "{}", "[1, 2]", '"text"', "{not json", 42, ["a"]):
        assert read(other) == {}
    already = {"a": 1}
    assert read(already) is already  # drivers that decode JSON themselves
