"""Helpers for import tests: write a CSV file as a person's spreadsheet would."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(name="write_csv")
def write_csv_fixture(tmp_path):
    def write(text: str, *, name: str = "file.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
