"""What each importable entity accepts: its fields, which are required, and value maps.

Field names here are the names used by ``--map column=field`` and by presets. A column mapped
to ``properties.<key>`` (or any unknown column, when asked) lands in custom properties.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.core.lifecycle import Stage
from accord.integrations.importing.fields import FieldSpec, Kind, choice_key
from accord.pipeline.models import DealStage, LostReason
from accord.tracking.models import TouchType

PROPERTIES_PREFIX = "properties."
#: In a leads file, a column mapped to ``contact_properties.<key>`` is stored on the contact
#: instead (one home per property: the lead's custom properties are the default).
CONTACT_PROPERTIES_PREFIX = "contact_properties."


def _choices(pairs: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((choice_key(k), v) for k, v in pairs.items())


# Our stage values, their labels, HubSpot lifecycle stages (internal values and the labels its
# exports print) and Salesforce's default lead statuses.
LEAD_STAGE_VALUES: dict[str, str] = {
    **{s.value: s.value for s in Stage},
    **{str(s.label): s.value for s in Stage},
    "subscriber": Stage.LEAD,
    "inquiry": Stage.LEAD,
    "other": Stage.LEAD,
    "marketingqualifiedlead": Stage.MQL,
    "marketing qualified lead": Stage.MQL,
    "salesacceptedlead": Stage.SAL,
    "sales accepted lead": Stage.SAL,
    "salesqualifiedlead": Stage.SQL,
    "sales qualified lead": Stage.SQL,
    "evangelist": Stage.CUSTOMER,
    "open - not contacted": Stage.LEAD,
    "working - contacted": Stage.SAL,
    "closed - converted": Stage.SQL,
    "closed - not converted": Stage.DISQUALIFIED,
}

DEAL_STAGE_VALUES: dict[str, str] = {
    **{s.value: s.value for s in DealStage},
    **{str(s.label): s.value for s in DealStage},
    # HubSpot's default sales pipeline (internal values).
    "appointmentscheduled": DealStage.QUALIFICATION,
    "qualifiedtobuy": DealStage.QUALIFICATION,
    "presentationscheduled": DealStage.DISCOVERY,
    "decisionmakerboughtin": DealStage.PROPOSAL,
    "contractsent": DealStage.NEGOTIATION,
    "closedwon": DealStage.WON,
    "closedlost": DealStage.LOST,
    # Salesforce's default opportunity stages.
    "prospecting": DealStage.QUALIFICATION,
    "needs analysis": DealStage.DISCOVERY,
    "value proposition": DealStage.DISCOVERY,
    "id. decision makers": DealStage.DISCOVERY,
    "perception analysis": DealStage.DISCOVERY,
    "proposal/price quote": DealStage.PROPOSAL,
    "negotiation/review": DealStage.NEGOTIATION,
    "closed won": DealStage.WON,
    "closed lost": DealStage.LOST,
    # Other common spellings of the outcome.
    "won": DealStage.WON,
    "lost": DealStage.LOST,
    "closed/won": DealStage.WON,
    "closed/lost": DealStage.LOST,
}

# A historical lead's outcome (for predictive scoring): won ends it at customer, lost at
# disqualified (or at lost, when its stage column says so).
OUTCOME_VALUES: dict[str, str] = {
    **{v: "won" for v in ("won", "win", "yes", "y", "true", "1", "customer", "closed won")},
    **{v: "lost" for v in ("lost", "no", "n", "false", "0", "disqualified", "closed lost")},
}

TOUCH_TYPE_VALUES: dict[str, str] = {
    **{t.value: t.value for t in TouchType},
    **{str(t.label): t.value for t in TouchType},
    "pageview": TouchType.PAGE_VIEW,
    "form": TouchType.FORM_SUBMISSION,
    "form submit": TouchType.FORM_SUBMISSION,
    "click": TouchType.AD_CLICK,
    "visit": TouchType.PAGE_VIEW,
    "session": TouchType.PAGE_VIEW,
}

#: What a touch is when the file says nothing about its type (the preview says so).
TOUCH_TYPE_DEFAULT = TouchType.PAGE_VIEW.value

# Lost reasons: ours by value or label; anything else is kept as written (the field is text).
LOST_REASON_VALUES: dict[str, str] = {
    **{r.value: r.value for r in LostReason},
    **{str(r.label): r.value for r in LostReason},
}


#: Stages whose entry date a leads file may give, as ``<stage>_at`` fields.
STAGE_DATE_FIELDS: tuple[tuple[str, str], ...] = (
    (Stage.MQL.value, "MQL"),
    (Stage.SAL.value, "SAL"),
    (Stage.SQL.value, "SQL"),
    (Stage.OPPORTUNITY.value, "Opportunity"),
    (Stage.CUSTOMER.value, "Customer"),
)


@dataclass(frozen=True)
class EntitySchema:
    name: str
    fields: tuple[FieldSpec, ...]
    #: Fields that every row must have.
    required: tuple[str, ...] = ()
    #: At least one of these must be present in every row (e.g. email or phone).
    required_one_of: tuple[str, ...] = ()
    #: Keys that identify one record inside a file (rows sharing any of them collapse).
    identity: tuple[str, ...] = ()
    #: Values given to blank fields (the preview says how many rows got each).
    defaults: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        return self._by_name().get(name)

    def _by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name: str, label: str, kind: Kind = Kind.TEXT, *aliases: str, **kw) -> FieldSpec:
    return FieldSpec(name=name, label=label, kind=kind, aliases=(name, *aliases), **kw)


PERSON_FIELDS: tuple[FieldSpec, ...] = (
    _f("email", "Email", Kind.EMAIL, "e_mail", "email_address", "почта", "электронная_почта"),
    _f("phone", "Phone", Kind.PHONE, "phone_number", "mobile", "mobile_phone", "телефон"),
    _f("first_name", "First name", Kind.TEXT, "firstname", "given_name", "имя", max_length=120),
    _f("last_name", "Last name", Kind.TEXT, "lastname", "surname", "фамилия", max_length=120),
    _f("full_name", "Full name", Kind.TEXT, "name", "фио", max_length=240),
    _f("job_title", "Job title", Kind.TEXT, "title", "jobtitle", "должность", max_length=160),
    _f("company", "Company", Kind.TEXT, "company_name", "account", "компания", max_length=200),
    _f("company_domain", "Company domain", Kind.TEXT, "website", "domain", max_length=253),
)

CONTACTS = EntitySchema(
    name="contacts",
    fields=(
        *PERSON_FIELDS,
        _f("external_id", "External ID", Kind.TEXT, "id", max_length=120),
        _f("created_at", "Created at", Kind.DATETIME, "created", "create_date"),
    ),
    required_one_of=("email", "phone", "external_id"),
    identity=("external_id", "email", "phone"),
)

LEADS = EntitySchema(
    name="leads",
    fields=(
        *PERSON_FIELDS,
        _f("external_id", "External ID", Kind.TEXT, "id", "lead_id", max_length=120),
        _f("created_at", "Created at", Kind.DATETIME, "created", "create_date"),
        _f("stage", "Stage", Kind.CHOICE, "lifecycle_stage", choices=_choices(LEAD_STAGE_VALUES)),
        _f("owner_email", "Owner email", Kind.EMAIL, "owner"),
        _f("source_channel", "Source channel", Kind.TEXT, "channel", "source", max_length=120),
        _f("source_campaign", "Source campaign", Kind.TEXT, "campaign", max_length=200),
        _f("utm_source", "UTM source", Kind.TEXT),
        _f("utm_medium", "UTM medium", Kind.TEXT),
        _f("utm_campaign", "UTM campaign", Kind.TEXT),
        _f("score", "Score", Kind.INTEGER),
        _f(
            "outcome", "Outcome (won/lost)", Kind.CHOICE, "result", choices=_choices(OUTCOME_VALUES)
        ),
        _f("outcome_at", "Outcome at", Kind.DATETIME, "closed_at", "outcome_date"),
        # When the lead entered each stage (HubSpot's "Became a ... Date" columns).
        *(
            _f(f"{stage}_at", f"{label} at", Kind.DATETIME, f"became_{stage}_at")
            for stage, label in STAGE_DATE_FIELDS
        ),
    ),
    # A person is identified by any of these (see README, "What identifies a person"):
    # a row with only an external id is accepted; it just cannot be matched by email later.
    required_one_of=("email", "phone", "external_id"),
    identity=("external_id", "email", "phone"),
)

# How a deal or a touch finds its lead: the first of these keys that matches a stored row.
LINK_FIELDS: tuple[FieldSpec, ...] = (
    _f("lead_external_id", "Lead external ID", Kind.TEXT, "lead_ext_id", "lead_id", max_length=120),
    _f(
        "contact_external_id",
        "Contact external ID",
        Kind.TEXT,
        "contact_id",
        "contact_ext_id",
        "contact_record_id",
        max_length=120,
    ),
    _f("contact_email", "Contact email", Kind.EMAIL, "email", "associated_contact_email"),
    _f("contact_phone", "Contact phone", Kind.PHONE, "phone", "phone_number"),
)
LINK_KEYS: tuple[str, ...] = tuple(f.name for f in LINK_FIELDS)

DEALS = EntitySchema(
    name="deals",
    fields=(
        _f("name", "Deal name", Kind.TEXT, "deal_name", "opportunity_name", "title"),
        _f("amount", "Amount", Kind.DECIMAL, "value", "сумма"),
        _f("currency", "Currency", Kind.CURRENCY, "валюта"),
        _f("pipeline", "Pipeline", Kind.TEXT, "pipeline_name", "воронка", max_length=100),
        _f("stage", "Stage", Kind.CHOICE, "deal_stage", choices=_choices(DEAL_STAGE_VALUES)),
        _f("expected_close", "Expected close", Kind.DATE, "close_date"),
        _f("owner_email", "Owner email", Kind.EMAIL, "owner"),
        _f("company", "Account", Kind.TEXT, "account", "account_name", "company_name"),
        *LINK_FIELDS,
        _f("external_id", "External ID", Kind.TEXT, "id", "deal_id", max_length=120),
        _f("created_at", "Created at", Kind.DATETIME, "created", "create_date"),
        _f("won_at", "Won at", Kind.DATETIME, "won_date", "closed_won_at"),
        _f("lost_at", "Lost at", Kind.DATETIME, "lost_date", "closed_lost_at"),
        _f("lost_reason", "Lost reason", Kind.TEXT, "closed_lost_reason", max_length=200),
    ),
    identity=("external_id",),
)

TOUCHPOINTS = EntitySchema(
    name="touchpoints",
    fields=(
        _f("at", "Time", Kind.DATETIME, "time", "timestamp", "date", "occurred_at"),
        _f("type", "Type", Kind.CHOICE, "touch_type", "event", choices=_choices(TOUCH_TYPE_VALUES)),
        *LINK_FIELDS,
        _f("visitor_id", "Visitor ID", Kind.TEXT, "visitor", "client_id", max_length=64),
        _f("channel", "Channel", Kind.TEXT, "channel_name", "channel_slug", max_length=120),
        _f("utm_source", "UTM source", Kind.TEXT, "source"),
        _f("utm_medium", "UTM medium", Kind.TEXT, "medium"),
        _f("utm_campaign", "UTM campaign", Kind.TEXT, "campaign"),
        _f("utm_content", "UTM content", Kind.TEXT),
        _f("utm_term", "UTM term", Kind.TEXT),
        _f("url", "URL", Kind.URL, "page", "page_url", "landing_page"),
        _f("referrer", "Referrer", Kind.URL, "referer"),
    ),
    required=("at",),
    required_one_of=(*LINK_KEYS, "visitor_id"),
    defaults=(("type", TOUCH_TYPE_DEFAULT),),
)

SPEND = EntitySchema(
    name="spend",
    fields=(
        _f("date", "Date", Kind.DATE, "day", "дата"),
        _f("channel", "Channel", Kind.TEXT, "channel_slug", "канал", max_length=120),
        _f("campaign", "Campaign", Kind.TEXT, "utm_campaign", "campaign_name", "кампания"),
        _f("cost", "Cost", Kind.DECIMAL, "spend", "amount", "расход"),
        _f("currency", "Currency", Kind.CURRENCY, "валюта"),
        _f("impressions", "Impressions", Kind.INTEGER, "показы"),
        _f("reach", "Reach", Kind.INTEGER, "охват"),
        _f("clicks", "Clicks", Kind.INTEGER, "клики"),
        _f("visits", "Visits", Kind.INTEGER, "sessions", "визиты"),
    ),
    required=("date", "channel", "cost"),
)

SCHEMAS: dict[str, EntitySchema] = {s.name: s for s in (CONTACTS, LEADS, DEALS, TOUCHPOINTS, SPEND)}
