"""Rows in, typed records and (row, column, message) errors out. Pure: no ORM.

What the database knows (users by email, channels) arrives as plain dictionaries in
``References``, loaded once by the service, so a row is checked without a query.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.core.errors import InvalidInput
from accord.integrations.importing.fields import ParseContext, converter_for, header_key
from accord.integrations.importing.presets import CHANNEL_VALUE_ALIASES, preset_mapping
from accord.integrations.importing.schemas import (
    CONTACT_PROPERTIES_PREFIX,
    PROPERTIES_PREFIX,
    EntitySchema,
)

Record = dict[str, Any]

#: The ``properties`` of a record without custom properties; never mutated (copy to add).
NO_PROPERTIES: dict[str, str] = {}


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f'row {self.row}, column "{self.column}": {self.message}'


@dataclass(frozen=True)
class References:
    """Lookups a row may need: lower-case user email -> id, channel slug or name -> id."""

    owners: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    #: Unknown channel names become new channels (``--create-channels``) instead of errors.
    create_channels: bool = False

    def channel_id(self, value: str) -> int | None:
        key = value.strip().lower()
        found = self.channels.get(key)
        if found is None:
            alias = CHANNEL_VALUE_ALIASES.get(header_key(value))
            found = self.channels.get(alias) if alias else None
        return found


@dataclass(frozen=True)
class ColumnMapping:
    """For each column of the file (by position), the field it fills, or None to ignore it."""

    header: tuple[str, ...]
    targets: tuple[str | None, ...]

    def column_for(self, target: str) -> str | None:
        for column, mapped in zip(self.header, self.targets, strict=True):
            if mapped == target:
                return column
        return None

    def as_dict(self) -> dict[str, str]:
        return {c: t for c, t in zip(self.header, self.targets, strict=True) if t}


def mapping_suggest(
    header: Iterable[str], schema: EntitySchema, *, preset: str | None = None
) -> list[str | None]:
    """The field each column most likely fills: the preset's name first, then our aliases."""
    by_preset = preset_mapping(preset, schema.name) if preset else {}
    aliases = {alias: spec.name for spec in schema.fields for alias in spec.aliases}
    suggested: list[str | None] = []
    for column in header:
        key = header_key(column)
        suggested.append(by_preset.get(key) or aliases.get(key))
    return suggested


def mapping_resolve(
    header: list[str],
    schema: EntitySchema,
    *,
    explicit: dict[str, str] | None = None,
    preset: str | None = None,
    unknown_to_properties: bool = False,
) -> ColumnMapping:
    """Combine suggestions with the person's ``column=field`` choices; refuse unknown names.

    An explicit target of ``""`` (or ``-``) ignores the column.
    """
    explicit = dict(explicit or {})
    known = set(schema.field_names)
    columns = set(header)
    for column, target in explicit.items():
        if column not in columns:
            raise InvalidInput(
                f"The file has no column {column!r}; its columns are: {', '.join(header)}.",
                field="map",
            )
        if target and target != "-" and target not in known and not _is_property(target, schema):
            also = " or contact_properties.<name>" if schema.name == "leads" else ""
            raise InvalidInput(
                f"Unknown field {target!r} for {schema.name}; expected one of: "
                f"{', '.join(schema.field_names)}, or properties.<name>{also}.",
                field="map",
            )
    suggested = mapping_suggest(header, schema, preset=preset)
    targets: list[str | None] = []
    for column, guess in zip(header, suggested, strict=True):
        if column in explicit:
            chosen = explicit[column]
            targets.append(chosen if chosen and chosen != "-" else None)
        elif guess:
            targets.append(guess)
        elif unknown_to_properties and column.strip():
            targets.append(PROPERTIES_PREFIX + header_key(column))
        else:
            targets.append(None)
    return ColumnMapping(header=tuple(header), targets=tuple(targets))


def _is_property(target: str, schema: EntitySchema) -> bool:
    prefixes = [PROPERTIES_PREFIX]
    if schema.name == "leads":
        prefixes.append(CONTACT_PROPERTIES_PREFIX)
    return any(target.startswith(p) and len(target) > len(p) for p in prefixes)


def mapping_check(mapping: ColumnMapping, schema: EntitySchema) -> list[RowError]:
    """File-level errors: required fields with no column (reported against row 1, the header)."""
    mapped = set(mapping.targets)
    found = ", ".join(f'"{c}"' for c in mapping.header) or "none"
    errors = [
        RowError(1, name, f"Required column missing (the file's columns: {found}).")
        for name in schema.required
        if name not in mapped
    ]
    if schema.required_one_of and not mapped.intersection(schema.required_one_of):
        names = " or ".join(schema.required_one_of)
        errors.append(
            RowError(
                1,
                schema.required_one_of[0],
                f"Required column missing: the file needs {names} (its columns: {found}).",
            )
        )
    return errors


class RowValidator:
    """Turns one row's cells into a typed record, collecting every error in the row.

    Each mapped column gets its converter once (``converter_for``); a row is then a loop over
    prepared ``(position, column, field, convert)`` steps.
    """

    def __init__(
        self,
        schema: EntitySchema,
        mapping: ColumnMapping,
        refs: References,
        ctx: ParseContext,
    ) -> None:
        self.schema = schema
        self.refs = refs
        self.ctx = ctx
        self.width = len(mapping.header)
        self.properties: list[tuple[int, str]] = []
        self.contact_properties: list[tuple[int, str]] = []
        #: Rows whose blank field got the schema's default, by field (for the preview).
        self.defaulted: dict[str, int] = {}
        self.defaults = [(name, value) for name, value in schema.defaults]
        self.steps: list[tuple[int, str, str, Callable[[str], Any]]] = []
        self.column_of: dict[str, str] = {}
        for index, (column, target) in enumerate(zip(mapping.header, mapping.targets, strict=True)):
            if not target:
                continue
            self.column_of.setdefault(target, column)
            spec = schema.field(target)
            if spec is None and target.startswith(CONTACT_PROPERTIES_PREFIX):
                key = target[len(CONTACT_PROPERTIES_PREFIX) :]
                self.contact_properties.append((index, key))
            elif spec is None:  # properties.<key>
                self.properties.append((index, target[len(PROPERTIES_PREFIX) :]))
            else:
                self.steps.append((index, column, spec.name, converter_for(spec, ctx)))
        targets = [t for t in mapping.targets if t and schema.field(t) is not None]
        #: Whether two columns fill one field (then the first non-blank one wins).
        self.shared_targets = len(targets) != len(set(targets))
        self.has_references = bool(
            {"owner_email", "source_channel", "channel"}.intersection(self.column_of)
        )
        self.channel_cache: dict[str, int | None] = {}

    def validate(self, row: int, values: list[str]) -> tuple[Record | None, list[RowError]]:
        width = self.width
        if len(values) > width and any(v.strip() for v in values[width:]):
            return None, [
                RowError(
                    row,
                    "*",
                    f"The row has {len(values)} values but the header has {width} "
                    "columns (an unquoted delimiter or a wrong delimiter?).",
                )
            ]
        if len(values) < width:
            values = values + [""] * (width - len(values))
        record: Record = {"_row": row}
        errors: list[RowError] = []
        shared = self.shared_targets
        for index, column, name, convert in self.steps:
            if shared and record.get(name) is not None:
                continue  # two columns map to one field: the first non-blank wins
            try:
                record[name] = convert(values[index])
            except InvalidInput as error:
                errors.append(RowError(row, column, error.message))
        properties: dict[str, str] | None = None
        for index, key in self.properties:
            value = values[index].strip()
            if value:
                if properties is None:
                    properties = {}
                properties.setdefault(key, value)
        # Most rows have no custom properties: they share no dict until one is needed.
        record["properties"] = properties or NO_PROPERTIES
        if self.contact_properties:
            record["contact_properties"] = {
                key: values[index].strip()
                for index, key in self.contact_properties
                if values[index].strip()
            }
        for name, value in self.defaults:
            if record.get(name) is None:
                record[name] = value
                self.defaulted[name] = self.defaulted.get(name, 0) + 1
        if self.has_references:
            self._references(row, record, errors)
        get = record.get
        one_of = self.schema.required_one_of
        # The usual row has everything (checked with C-level map/count, no generators);
        # only a row missing something goes through the detailed check.
        if (
            errors
            or None in map(get, self.schema.required)
            or (one_of and list(map(get, one_of)).count(None) == len(one_of))
        ):
            self._requirements(row, record, errors)
        if errors:
            return None, errors
        if "full_name" in record:
            _name_split(record)
        return record, errors

    def _references(self, row: int, record: Record, errors: list[RowError]) -> None:
        owner = record.get("owner_email")
        if owner is not None:
            owner_id = self.refs.owners.get(owner)
            if owner_id is None:
                errors.append(
                    RowError(
                        row, self.column_of["owner_email"], f"No user has the email {owner!r}."
                    )
                )
            record["owner_id"] = owner_id
        for name in ("source_channel", "channel"):
            value = record.get(name)
            if value is not None:
                try:
                    channel_id = self.channel_cache[value]
                except KeyError:
                    channel_id = self.channel_cache[value] = self.refs.channel_id(value)
                touches = self.schema.name == "touchpoints"
                if channel_id is None and touches and self.refs.create_channels:
                    record["channel_new"] = value  # the plan creates it
                elif channel_id is None:
                    hint = " (give --create-channels to create it)" if touches else ""
                    errors.append(
                        RowError(row, self.column_of[name], f"Unknown channel {value!r}{hint}.")
                    )
                record[f"{name}_id"] = channel_id

    def _requirements(self, row: int, record: Record, errors: list[RowError]) -> None:
        failed_columns = {e.column for e in errors}
        for name in self.schema.required:
            column = self.column_of.get(name, name)
            if record.get(name) is None and column not in failed_columns:
                errors.append(RowError(row, column, "A value is required."))
        one_of = self.schema.required_one_of
        if one_of and all(record.get(n) is None for n in one_of):
            columns = [self.column_of[n] for n in one_of if n in self.column_of]
            if not failed_columns.intersection(columns):
                names = " or ".join(f'"{c}"' for c in columns)
                errors.append(RowError(row, columns[0], f"Needs a value in {names}."))


def _name_split(record: Record) -> None:
    full = record.pop("full_name", None)
    if full and not record.get("first_name") and not record.get("last_name"):
        first, _, last = full.partition(" ")
        record["first_name"], record["last_name"] = first[:120], last.strip()[:120]


# --- Collapsing duplicates inside one file -------------------------------------------------


def _person_keys(record: Record) -> list[Hashable]:
    get = record.get
    keys: list[Hashable] = []
    # Spelled out rather than a comprehension over the names: it runs once per row.
    if ext := get("external_id"):
        keys.append(("external_id", ext))
    if email := get("email"):
        keys.append(("email", email))
    if phone := get("phone"):
        keys.append(("phone", phone))
    return keys


def _deal_keys(record: Record) -> list[Hashable]:
    if record.get("external_id"):
        return [("external_id", record["external_id"])]
    return [
        (
            "natural",
            (record.get("name") or "").lower(),
            record.get("lead_external_id"),
            record.get("contact_external_id"),
            record.get("contact_email"),
            record.get("contact_phone"),
            (record.get("company") or "").lower(),
        )
    ]


def _touch_keys(record: Record) -> list[Hashable]:
    return [
        (
            record["at"],
            record["type"],
            record.get("lead_external_id"),
            record.get("contact_external_id"),
            record.get("contact_email"),
            record.get("contact_phone"),
            record.get("visitor_id"),
            record.get("url"),
        )
    ]


def _spend_keys(record: Record) -> list[Hashable]:
    return [(record["date"], record["channel_id"], (record.get("campaign") or "").lower())]


def _product_keys(record: Record) -> list[Hashable]:
    keys: list[Hashable] = []
    if ext := record.get("external_id"):
        keys.append(("external_id", ext))
    if sku := record.get("sku"):
        keys.append(("sku", sku.lower()))
    return keys


def _activity_keys(record: Record) -> list[Hashable]:
    if record.get("external_id"):
        return [("ext", record["external_id"])]
    return [
        (
            record["type"],
            record.get("at") or record.get("due_at"),
            record.get("deal_external_id"),
            record.get("lead_external_id"),
            record.get("contact_external_id"),
            record.get("contact_email"),
            record.get("contact_phone"),
            (record.get("title") or "").lower(),
        )
    ]


IDENTITY_KEYS: dict[str, Callable[[Record], list[Hashable]]] = {
    "contacts": _person_keys,
    "leads": _person_keys,
    "deals": _deal_keys,
    "touchpoints": _touch_keys,
    "spend": _spend_keys,
    "products": _product_keys,
    "activities": _activity_keys,
}


class RecordCollapser:
    """Keeps one record per identity: a later row sharing any key with an earlier one fills
    the earlier record's blanks (and adds new custom properties); it never overwrites."""

    def __init__(self, entity: str) -> None:
        self.keys_of = IDENTITY_KEYS[entity]
        self.records: list[Record] = []
        self.index: dict[Hashable, int] = {}
        #: Rows merged into a record, beyond its own ``_row`` (most records have none).
        self.merged_rows: dict[int, list[int]] = {}
        self.merged = 0
        #: Records before this position are planned (and maybe written) by a pipelined
        #: import; ``late`` says a row has since merged into one of them or shares a key
        #: with one, so that the whole file must be planned again as one.
        self.frozen = 0
        self.late = False

    def add(self, record: Record) -> None:
        keys = self.keys_of(record)
        index = self.index
        for key in keys:
            position = index.get(key)
            if position is not None:
                break
        else:  # the usual record: a new identity
            position = len(self.records)
            self.records.append(record)
            for key in keys:
                index[key] = position
            return
        self.merged += 1
        if position < self.frozen:
            self.late = True
        kept = self.records[position]
        for name, value in record.items():
            if name == "properties":
                if value:
                    properties = dict(kept["properties"])
                    for key, prop in value.items():
                        properties.setdefault(key, prop)
                    kept["properties"] = properties
            elif value is not None and kept.get(name) is None:
                kept[name] = value
        self.merged_rows.setdefault(position, []).append(record["_row"])
        keys = self.keys_of(kept)
        for key in keys:
            if index.setdefault(key, position) < self.frozen:
                self.late = True

    def discard_rows(self, rows: set[int]) -> None:
        """Drop records built from any of ``rows`` (used when the writer rejects them)."""
        records: list[Record] = []
        merged_rows: dict[int, list[int]] = {}
        for position, record in enumerate(self.records):
            extra = self.merged_rows.get(position, [])
            if record["_row"] in rows or rows.intersection(extra):
                continue
            if extra:
                merged_rows[len(records)] = extra
            records.append(record)
        self.records, self.merged_rows = records, merged_rows
