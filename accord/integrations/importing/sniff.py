"""Guess a CSV file's encoding and delimiter from its first bytes.

Encoding: a UTF-8 (or UTF-16) byte-order mark decides; otherwise bytes that decode as UTF-8
are UTF-8 (a false positive in a legacy code page is practically impossible for real text);
otherwise charset-normalizer chooses among the single-byte code pages spreadsheets write
(Windows-1251 first: Russian Excel's default), falling back to Windows-1251.

Delimiter: ``csv.Sniffer`` over whole lines of the sample, checked against the header line —
headers rarely hold quoted delimiters or newlines, so the candidate that splits the header
into the most columns wins when the Sniffer disagrees or gives up.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
_LEGACY_CODE_PAGES = ["cp1251", "cp1252", "latin_1"]


@dataclass(frozen=True)
class FileFormat:
    encoding: str
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
            self.delimiter, repr(self.delimiter)
        )


def encoding_detect(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # Not final: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(sample, cp_isolation=_LEGACY_CODE_PAGES).best()
    return best.encoding if best is not None else "cp1251"


def delimiter_detect(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    by_header = max(DELIMITERS, key=lambda d: counts[d])
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:200]), delimiters="".join(DELIMITERS))
        candidate = sniffed.delimiter
    except csv.Error:
        candidate = None
    if candidate and counts.get(candidate, 0) >= max(counts[by_header], 1):
        return candidate
    return by_header if counts[by_header] else ","


def file_format_detect(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> FileFormat:
    """Detect what was not given. The sample is small; the file itself is read later, streamed."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    chosen_encoding = encoding or encoding_detect(sample)
    if delimiter is None:
        text = codecs.getincrementaldecoder(chosen_encoding)(errors="replace").decode(sample)
        delimiter = delimiter_detect(text.lstrip("\ufeff"))
    return FileFormat(encoding=chosen_encoding, delimiter=delimiter)
