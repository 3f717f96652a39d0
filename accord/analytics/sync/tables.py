"""The copy's tables: which operational table each mirrors, its columns and its kind.

Append-only tables are copied by id watermark, mutable ones by ``updated_at``, reference
tables re-read whole (see ``accord.analytics.sync`` for how each is kept current)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger(__name__)

APPEND = "append"
MUTABLE = "mutable"
REFERENCE = "reference"


@dataclass(frozen=True)
class Column:
    name: str
    #: DuckDB type of the column in the copy.
    type: str
    #: Source column (defaults to ``name``).
    source: str = ""
    #: How the value travels: "id" and "int" as integers, "ts" and "date" as text, "float",
    #: "bool", "text", "json" (text on both databases).
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    kind: str
    columns: tuple[Column, ...]
    #: For append-only tables: the lead column whose leads are re-read on new rows.
    lead_column: str = ""
    #: Columns computed in DuckDB on insert: (name, type, SQL over the copied columns).
    derived: tuple[tuple[str, str, str], ...] = ()
    #: For reference tables: a SELECT list of integer aggregates, valid on the operational
    #: table and on the copy; when both give the same values the table is not re-read.
    fingerprint: str = ""
    #: How test leads (``contacts.Lead.is_test``) are kept out of the copy: "id" for the
    #: leads table itself, "lead_id" for tables whose rows belong to a lead, "" for none.
    test_leads_by: str = ""


def _c(name: str, kind: str, source: str = "") -> Column:
    types = {
        "id": "BIGINT",
        "int": "BIGINT",
        "ts": "TIMESTAMP",
        "date": "DATE",
        "float": "DOUBLE",
        "bool": "BOOLEAN",
        "text": "VARCHAR",
        "json": "VARCHAR",
    }
    return Column(name=name, type=types[kind], source=source or name, kind=kind)


TABLES: tuple[Table, ...] = (
    Table(
        "touchpoints",
        "tracking_touchpoint",
        APPEND,
        (
            _c("id", "id"),
            _c("at", "ts"),
            _c("type", "text"),
            _c("visitor_id", "text"),
            _c("contact_id", "id"),
            _c("lead_id", "id"),
            _c("channel_id", "id"),
            _c("campaign_id", "id"),
        ),
        lead_column="lead_id",
        test_leads_by="lead_id",
        # One integer per visitor (or known contact without a visitor id): counting
        # distinct visitors over millions of touches is far cheaper on integers.
        derived=(
            (
                "visitor_key",
                "UBIGINT",
                "hash(CASE WHEN visitor_id <> '' THEN visitor_id "
                "ELSE 'contact:' || CAST(contact_id AS VARCHAR) END)",
            ),
        ),
    ),
    Table(
        "stage_transitions",
        "contacts_stagetransition",
        APPEND,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("from_stage", "text"),
            _c("to_stage", "text"),
            _c("at", "ts"),
            _c("actor_id", "id"),
            _c("reason", "text"),
        ),
        lead_column="lead_id",
        test_leads_by="lead_id",
    ),
    Table(
        "activities",
        "pipeline_activity",
        APPEND,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("deal_id", "id"),
            _c("user_id", "id"),
            _c("kind", "text"),
            _c("outcome", "text"),
            _c("at", "ts"),
        ),
        lead_column="lead_id",
        test_leads_by="lead_id",
    ),
    Table(
        "leads",
        "contacts_lead",
        MUTABLE,
        (
            _c("id", "id"),
            _c("contact_id", "id"),
            _c("stage", "text"),
            _c("is_open", "bool"),
            _c("score", "int"),
            _c("grade", "text"),
            _c("owner_id", "id"),
            _c("team_id", "id"),
            _c("source_channel_id", "id"),
            _c("source_campaign_id", "id"),
            _c("properties", "json"),
            _c("created_at", "ts"),
            _c("updated_at", "ts"),
        ),
        test_leads_by="id",
    ),
    Table(
        "contacts",
        "contacts_contact",
        MUTABLE,
        (_c("id", "id"), _c("account_id", "id"), _c("created_at", "ts"), _c("updated_at", "ts")),
    ),
    Table(
        "accounts",
        "contacts_account",
        MUTABLE,
        (
            _c("id", "id"),
            _c("employees", "int"),
            _c("industry", "text"),
            _c("country", "text"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "deals",
        "pipeline_deal",
        MUTABLE,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("account_id", "id"),
            _c("stage", "text"),
            _c("amount", "float"),
            _c("currency", "text"),
            _c("owner_id", "id"),
            _c("lost_reason", "text"),
            _c("created_at", "ts"),
            _c("closed_at", "ts"),
            _c("updated_at", "ts"),
            # Which pipeline, since when in its stage (a key of that pipeline; ``won`` and
            # ``lost`` in every one), and the rep's forecast category ('' follows the stage).
            _c("pipeline_id", "id"),
            _c("stage_entered_at", "ts"),
            _c("forecast_category", "text"),
            # pipe-forecast: the deal's name (slipped deals) and its expected close date.
            _c("name", "text"),
            _c("expected_close", "date"),
            # promo: the deal-level discount (amount entered without line items) and the
            # deal's own promotion flag and code (links are in ``deal_promotions``).
            _c("discount_amount", "float"),
            _c("is_promotion", "bool"),
            _c("promotion_code", "text"),
            # The lead's fit grade when it was handed to sales (the promotion report's mix).
            _c("handoff_grade", "text"),
        ),
        test_leads_by="lead_id",
    ),
    Table(
        "campaigns",
        "tracking_campaign",
        MUTABLE,
        (
            _c("id", "id"),
            _c("name", "text"),
            _c("utm_campaign", "text"),
            _c("channel_id", "id"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "channels",
        "tracking_channel",
        REFERENCE,
        (_c("id", "id"), _c("slug", "text"), _c("name", "text"), _c("is_paid", "bool")),
    ),
    Table(
        "users",
        "accounts_user",
        REFERENCE,
        (_c("id", "id"), _c("username", "text"), _c("team_id", "id"), _c("role", "text")),
    ),
    Table("teams", "accounts_team", REFERENCE, (_c("id", "id"), _c("name", "text"))),
    Table(
        "pipelines",
        "pipeline_pipeline",
        REFERENCE,
        (
            _c("id", "id"),
            _c("key", "text"),
            _c("name", "text"),
            _c("is_default", "bool"),
            # pipe-forecast: the order pipelines are listed in, and whether archived.
            _c("position", "int", "order"),
            _c("is_archived", "bool"),
        ),
    ),
    Table(
        "pipeline_stages",
        "pipeline_pipelinestage",
        REFERENCE,
        (
            _c("id", "id"),
            _c("pipeline_id", "id"),
            _c("key", "text"),
            _c("name", "text"),
            _c("position", "int", "order"),
            _c("probability", "float"),
            _c("forecast_category", "text"),
            _c("outcome", "text"),
        ),
    ),
    Table(
        "spend",
        "tracking_spendentry",
        REFERENCE,
        (
            _c("id", "id"),
            _c("date", "date"),
            _c("channel_id", "id"),
            _c("campaign_id", "id"),
            _c("cost", "float"),
            _c("currency", "text"),
            _c("impressions", "int"),
            _c("reach", "int"),
            _c("clicks", "int"),
            _c("visits", "int"),
        ),
    ),
    Table(
        "quality_ratings",
        "handoff_qualityrating",
        REFERENCE,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("rating", "int"),
            _c("by_id", "id"),
            _c("created_at", "ts"),
        ),
        # A re-rating changes ``rating`` in place; sum(id * rating) notices it.
        fingerprint="count(*), coalesce(max(id), 0), coalesce(sum(id * rating), 0)",
        test_leads_by="lead_id",
    ),
    # == pipe-forecast: deals' histories, stages, quotas, submissions, predictions ==
    Table(
        "deal_stage_changes",
        "pipeline_dealstagechange",
        APPEND,
        (
            _c("id", "id"),
            _c("deal_id", "id"),
            _c("pipeline_id", "id"),
            _c("from_stage", "text"),
            _c("to_stage", "text"),
            _c("at", "ts"),
            _c("amount", "float"),
        ),
    ),
    Table(
        "deal_close_changes",
        "pipeline_dealclosedatechange",
        APPEND,
        (
            _c("id", "id"),
            _c("deal_id", "id"),
            _c("old_date", "date"),
            _c("new_date", "date"),
            _c("at", "ts"),
        ),
    ),
    Table(
        "quotas",
        "pipeline_quota",
        MUTABLE,
        (
            _c("id", "id"),
            _c("user_id", "id"),
            _c("period_kind", "text"),
            _c("period_start", "date"),
            _c("amount", "float"),
            _c("currency", "text"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "forecast_submissions",
        "pipeline_forecastsubmission",
        APPEND,
        (
            _c("id", "id"),
            _c("user_id", "id"),
            _c("period_kind", "text"),
            _c("period_start", "date"),
            _c("week_start", "date"),
            _c("submitted_at", "ts"),
            _c("closed", "float"),
            _c("commit", "float"),
            _c("best_case", "float"),
            _c("pipeline", "float"),
            _c("stage_weighted", "float"),
            _c("model_weighted", "float"),
        ),
    ),
    Table(
        "forecast_adjustments",
        "pipeline_manageradjustment",
        APPEND,
        (
            _c("id", "id"),
            _c("submission_id", "id"),
            _c("by_id", "id"),
            _c("at", "ts"),
            _c("commit", "float"),
            _c("best_case", "float"),
        ),
    ),
    Table(
        "scoring_models",
        "scoring_scoringmodel",
        REFERENCE,
        (_c("id", "id"), _c("is_active", "bool")),
    ),
    Table(
        "lead_predictions",
        "scoring_leadprediction",
        REFERENCE,
        (_c("lead_id", "id"), _c("model_id", "id"), _c("probability", "float")),
        # Re-read when rows come or go or the model changes (a rescore by the same model in
        # place is picked up with the next such change).
        fingerprint="count(*), coalesce(max(lead_id), 0), coalesce(sum(model_id), 0)",
    ),
)
#: promo: products, line items, promotions and discounts (the promotion report, margin KPIs).
#: Money columns are in the row's ``currency``; ``exchange_rates`` converts them to the
#: company currency (the latest rate on or before a date; the company currency is 1).
PRODUCT_TABLES: tuple[Table, ...] = (
    Table(
        "products",
        "pipeline_product",
        MUTABLE,
        (
            _c("id", "id"),
            _c("sku", "text"),
            _c("name", "text"),
            _c("list_price", "float"),
            _c("unit_cost", "float"),
            _c("currency", "text"),
            _c("is_active", "bool"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "deal_line_items",
        "pipeline_deallineitem",
        MUTABLE,
        (
            _c("id", "id"),
            _c("deal_id", "id"),
            _c("product_id", "id"),
            _c("promotion_id", "id"),
            _c("position", "int"),
            _c("quantity", "float"),
            _c("currency", "text"),
            # Unit snapshots at the time the line was written.
            _c("list_price", "float"),
            _c("unit_cost", "float"),
            # Line totals: quantity x list price, after all discounts, quantity x unit cost.
            _c("list_amount", "float", "gross_amount"),
            _c("net_amount", "float"),
            _c("cost_amount", "float"),
            # The effective discount, percent of ``list_amount``.
            _c("discount_percent", "float"),
            _c("created_at", "ts"),
            _c("updated_at", "ts"),
        ),
        derived=(
            ("discount_amount", "DOUBLE", "list_amount - net_amount"),
            ("margin_amount", "DOUBLE", "net_amount - cost_amount"),
        ),
    ),
    Table(
        "promotions",
        "pipeline_promotion",
        MUTABLE,
        (
            _c("id", "id"),
            _c("name", "text"),
            _c("code", "text"),
            _c("starts_on", "date"),
            _c("ends_on", "date"),
            # "percent" or "amount", and its value (percent, or amount in ``currency``).
            _c("discount_kind", "text"),
            _c("discount_value", "float"),
            _c("product_id", "id"),
            _c("segment_size", "text"),
            _c("segment_industry", "text"),
            _c("campaign_id", "id"),
            _c("currency", "text"),
            _c("fixed_cost", "float"),
            _c("cost_per_deal", "float"),
            _c("is_active", "bool"),
            _c("created_at", "ts"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "deal_promotions",
        "pipeline_dealpromotion",
        REFERENCE,
        (
            _c("id", "id"),
            _c("deal_id", "id"),
            _c("promotion_id", "id"),
            _c("source", "text"),
            _c("linked_at", "ts"),
        ),
        # Links are added and removed, never edited.
        fingerprint="count(*), coalesce(max(id), 0), coalesce(sum(id), 0)",
    ),
    Table(
        "discount_approvals",
        "pipeline_discountapproval",
        REFERENCE,
        (
            _c("id", "id"),
            _c("deal_id", "id"),
            _c("line_item_id", "id"),
            _c("requested_by_id", "id"),
            _c("requested_at", "ts"),
            _c("requested_percent", "float"),
            _c("required_level", "text"),
            _c("status", "text"),
            _c("approved_percent", "float"),
            _c("approver_id", "id"),
            _c("decided_at", "ts"),
        ),
        # A decision changes the status in place (each status has its own length).
        fingerprint="count(*), coalesce(max(id), 0), coalesce(sum(id * length(status)), 0)",
    ),
    Table(
        "exchange_rates",
        "pipeline_exchangerate",
        REFERENCE,
        (_c("id", "id"), _c("currency", "text"), _c("date", "date"), _c("rate", "float")),
    ),
)
TABLES += PRODUCT_TABLES
TABLE_BY_NAME = {t.name: t for t in TABLES}


#: The test leads an audit counts in the reps' SLA statistics and their activities, apart
#: from ``leads`` and ``activities`` (``sync.sla_tests``), with the same columns.
SLA_TEST_LEADS = "sla_test_leads"
SLA_TEST_ACTIVITIES = "sla_test_activities"
SLA_TEST_TABLES = (SLA_TEST_LEADS, SLA_TEST_ACTIVITIES)
