"""Ids in attributes are plain numbers: with USE_THOUSAND_SEPARATOR on, ``{{ lead.pk }}``
renders "5,279" once there are a thousand rows, so a checkbox, an option or a data attribute
would carry a value no row has (the workspace's bulk assign broke this way on PostgreSQL,
whose ids do not restart)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "accord"
# A template variable ending in pk/id (or named id) inside a quoted attribute value.
BARE_ID = re.compile(r'="[^"{]*\{\{\s*([\w.]*(?:\.pk|\.id|_id|\bid|\bpk))\s*\}\}[^"]*"')
#: Variables named like ids that hold text (an element's id), not a row's number.
TEXT_IDS = frozenset({"campaign_list_id"})


def test_ids_in_attributes_are_unlocalized():
    bare = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted(ROOT.rglob("*.html"))
        for match in BARE_ID.finditer(path.read_text())
        if match.group(1) not in TEXT_IDS
    ]
    assert not bare, "add |unlocalize (and {% load l10n %}):\n" + "\n".join(bare)
