r"""Spreadsheet-safe cell values: text a spreadsheet would run as a formula is defused.

Formula injection (OWASP ASVS 5.0, 1.2.10; espocrm#2052): control characters are stripped
from text FIRST (XML cannot hold them, and a cell ``\x01=1+1`` stripped after escaping would
start with ``=`` again); then text starting with ``=``, ``+``, ``-``, ``@``, tab or CR (or
the full-width forms U+FF1D, U+FF0B, U+FF0D, U+FF20) is prefixed with ``'`` so spreadsheets
show it as text instead of running it. The same is done after every ``;`` and ``,`` inside
the text: a spreadsheet that splits CSV on ``;`` (Russian, German, French Excel) or ``,``
turns ``a;=1+1`` into a cell ``=1+1`` otherwise.

Numbers, dates and booleans are values, not escaped. In ``core`` because every file a person
may open in a spreadsheet goes through it: list exports (``integrations.exporting``) and the
data-subject export (``privacy.dsar``), which sits below ``integrations``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

# OWASP's CSV-injection prefixes, with the full-width forms some spreadsheets normalise.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# C0 controls other than tab, LF and CR, and DEL: invalid in XML, meaningless in a cell.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A formula prefix at the start of the text or of a ;/, separated part (spaces allowed before
# it): the quote goes right before the prefix.
_FORMULA_START = re.compile("(^|[;,])( *)(?=[" + re.escape("".join(FORMULA_PREFIXES)) + "])")


def cell_escape(value: Any) -> Any:
    """A value as it may go into a cell: text that a spreadsheet would evaluate is defused."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date):
        return value
    text = _CONTROL_CHARACTERS.sub("", str(value))
    return _FORMULA_START.sub(r"\1\2'", text)
