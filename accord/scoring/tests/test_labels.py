"""Seeded scoring names read in the reader's language; names an admin wrote stay as written."""

from __future__ import annotations

from django.utils import translation

from accord.scoring import defaults
from accord.scoring.labels import scoring_name_label


def test_every_seeded_rule_name_has_a_russian_name():
    with translation.override("ru"):
        same = [r["name"] for r in defaults.RULES if scoring_name_label(r["name"]) == r["name"]]
    assert same == []


def test_a_name_an_admin_wrote_is_not_translated():
    with translation.override("ru"):
        assert scoring_name_label("Visited /pricing") == "Заходил на /pricing"
        assert scoring_name_label("Student") == "Студент"
        assert scoring_name_label("Student discount page") == "Student discount page"
    assert scoring_name_label("Student") == "Student"
