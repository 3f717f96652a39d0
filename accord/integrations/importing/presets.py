"""Column presets for files exported from HubSpot and Salesforce.

Headers are the labels those products print in their CSV exports; they are matched after
``header_key`` normalisation, so case and spacing do not matter. Values are our field names.

Choices made here, on purpose:
- HubSpot's "Contact owner" and Salesforce's "Lead Owner" hold people's names, not emails, so
  they are not mapped to ``owner_email`` (map them with ``--map`` when a file has emails).
- Salesforce's "Lead Source" ("Web", "Trade Show", ...) is not a channel; it is kept as the
  custom property ``lead_source`` so nothing is lost.
"""

from __future__ import annotations

from accord.integrations.importing.fields import header_key

_HUBSPOT_PERSON = {
    "Record ID": "external_id",
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone Number": "phone",
    "Mobile Phone Number": "phone",
    "Job Title": "job_title",
    "Company Name": "company",
    "Website URL": "company_domain",
    "Create Date": "created_at",
}

_SALESFORCE_PERSON = {
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone": "phone",
    "Mobile": "phone",
    "Title": "job_title",
    "Company": "company",
    "Account Name": "company",
    "Website": "company_domain",
    "Created Date": "created_at",
}

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "hubspot": {
        "contacts": _HUBSPOT_PERSON,
        "leads": {
            **_HUBSPOT_PERSON,
            "Lifecycle Stage": "stage",
            "Became a Marketing Qualified Lead Date": "mql_at",
            "Became a Sales Qualified Lead Date": "sql_at",
            "Became an Opportunity Date": "opportunity_at",
            "Became a Customer Date": "customer_at",
            "Original Source": "source_channel",
            "Lead Status": "properties.lead_status",
        },
        "deals": {
            "Record ID": "external_id",
            "Deal Name": "name",
            "Amount": "amount",
            "Currency": "currency",
            "Pipeline": "pipeline",
            "Deal Stage": "stage",
            "Close Date": "expected_close",
            "Create Date": "created_at",
            "Associated Company": "company",
            "Associated Contact Email": "contact_email",
            # The contact's Record ID: the external id its contacts export gave the lead.
            "Associated Contact ID": "contact_external_id",
            "Associated Contact IDs": "contact_external_id",
            "Closed Lost Reason": "lost_reason",
        },
    },
    "salesforce": {
        "contacts": {**_SALESFORCE_PERSON, "Contact ID": "external_id"},
        "leads": {
            **_SALESFORCE_PERSON,
            "Lead ID": "external_id",
            "Lead Status": "stage",
            "Lead Source": "properties.lead_source",
        },
        "deals": {
            "Opportunity ID": "external_id",
            "Opportunity Name": "name",
            "Amount": "amount",
            "Opportunity Currency": "currency",
            "Stage": "stage",
            "Close Date": "expected_close",
            "Account Name": "company",
            "Created Date": "created_at",
            "Contact ID": "contact_external_id",
            "Lead ID": "lead_external_id",
            "Loss Reason": "lost_reason",
        },
    },
}

# Values that HubSpot's "Original Source" and common exports use for channels.
CHANNEL_VALUE_ALIASES: dict[str, str] = {
    "organic_search": "organic-search",
    "paid_search": "paid-search",
    "email_marketing": "email",
    "social_media": "organic-social",
    "paid_social": "paid-social",
    "referrals": "referral",
    "direct_traffic": "direct",
    "other_campaigns": "unassigned",
    "offline": "unassigned",
    "offline_sources": "unassigned",
}


def preset_mapping(preset: str, entity: str) -> dict[str, str]:
    """``header_key(column) -> field`` for a preset and entity (empty when it has none)."""
    return {header_key(column): field for column, field in PRESETS[preset].get(entity, {}).items()}
