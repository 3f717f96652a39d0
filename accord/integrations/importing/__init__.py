"""CSV import: detect the file's encoding and dialect, map columns to fields, validate every
row, then write the valid records in bulk (all-or-nothing unless asked otherwise).

Entry point: ``accord.integrations.importing.service.import_run``.
"""
