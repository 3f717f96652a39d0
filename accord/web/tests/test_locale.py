"""The Russian catalogue is complete and the committed .mo matches the .po."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

RU_DIR = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES"


def read_ru_po():
    with (RU_DIR / "django.po").open("rb") as handle:
        return read_po(handle, locale="ru")


def test_every_message_is_translated():
    catalogue = read_ru_po()

    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            "fuzzy" in message.flags
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]
    assert untranslated == []
    assert len(catalogue) > 100


def test_compiled_catalogue_matches_the_source():
    catalogue = read_ru_po()
    with (RU_DIR / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            if compiled.ngettext(singular, plural, 5) != message.string[2]:
                stale.append(singular)
        elif message.context:
            if compiled.pgettext(message.context, message.id) != message.string:
                stale.append(message.id)
        elif compiled.gettext(message.id) != message.string:
            stale.append(message.id)
    assert stale == [], "run `make messages` to recompile django.mo"


def test_the_catalogue_holds_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """``makemessages`` over a copy of the source finds no message the catalogue lacks.

    So a new string left out of ``make messages`` (or one merged in without its Russian)
    fails here, not in front of a Russian-speaking user. Needs GNU gettext (``xgettext``).
    """
    import shutil

    from django.core.management import call_command

    source = Path(settings.LOCALE_PATHS[0]).parent  # the ``accord`` package
    copy = tmp_path / "accord"
    shutil.copytree(
        source,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "tests", "migrations"),
    )
    settings.LOCALE_PATHS = [str(copy / "locale")]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["ru"], no_obsolete=True, verbosity=0)

    with (copy / "locale" / "ru" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        refreshed = read_po(handle, locale="ru")
    known = {(message.id, message.context) for message in read_ru_po() if message.id}
    missing = [
        message.id
        for message in refreshed
        if message.id and (message.id, message.context) not in known
    ]
    assert missing == [], "run `make messages` and translate the new strings"
