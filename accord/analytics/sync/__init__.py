"""Keeps the DuckDB copy of the operational data current: full and incremental sync, erasure.

Modules: ``tables`` (what is copied), ``copy_io`` (reading the source, writing the copy,
watermarks), ``incremental`` (the sync itself), ``derived`` (lead facts, touch paths, daily
traffic), ``erasure`` (corrections outside the sync). Callers import from this package.

Three kinds of table (``TABLES``):

- append-only (touchpoints, stage transitions, activities): rows with an id above the
  table's watermark are copied in batches;
- mutable with ``updated_at`` (leads, contacts, accounts, deals, campaigns): rows changed
  since the watermark (less a small overlap, for transactions that committed late) are
  re-read and replace their old copies (rows deleted in the operational database are found
  by comparing ids whenever the row counts differ, and take their append-only rows along).
  Some writes change a lead without touching
  ``updated_at`` (a stage move does; identity stitching and scoring use ``update()``), so the
  leads named by the new append-only rows are re-read too, and so are the deals of changed
  leads;
- small reference tables (channels, users, teams, spend, lead-quality ratings): re-read
  whole; ratings only when their fingerprint (count, newest id, a rating checksum) changed,
  as they are rewritten in place without an ``updated_at`` and grow with the MQLs.

Identity stitching gives anonymous touchpoints a contact after they were copied; the touches
of the visitors seen in new rows are re-read so that the copy follows.

Every lead row written also carries facts derived from the copy's own logs (``LEAD_FACTS``:
first entry into each funnel stage, last SAL/SQL entry and rejection, first contact after
the first MQL), so that reports over a million leads scan one narrow row per lead. Each
contact's touches are kept as time-ordered lists too (``TOUCH_PATHS``), for attribution.

Test leads are not copied (``copy_io.source_from``), except that the few an audit counts in
the reps' SLA statistics are rebuilt at every sync into tables of their own
(``sla_tests``: ``sla_test_leads``, ``sla_test_activities``), which only the reps' response
times and speed to lead per rep or team read.

Rows are read through Django's connection in chunks (portable across SQLite and PostgreSQL;
DuckDB's SQLite scanner is an extension that cannot be installed offline) and handed to
DuckDB as pandas frames. Timestamps travel as UTC text and become ``TIMESTAMP`` (UTC) in
DuckDB; money becomes ``DOUBLE`` (reports round at display).
"""

from accord.analytics.sync.copy_io import data_as_of
from accord.analytics.sync.derived import TOUCH_PATHS, touch_paths_sql
from accord.analytics.sync.erasure import analytics_contact_erase, analytics_touches_reread
from accord.analytics.sync.incremental import SyncReport, analytics_sync

__all__ = [
    "TOUCH_PATHS",
    "SyncReport",
    "analytics_contact_erase",
    "analytics_sync",
    "analytics_touches_reread",
    "data_as_of",
    "touch_paths_sql",
]
