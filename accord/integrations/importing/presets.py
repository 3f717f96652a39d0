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
        # A products export (Settings → Objects → Products → Export).
        "products": {
            "Record ID": "external_id",
            "Name": "name",
            "SKU": "sku",
            "Product SKU": "sku",
            "Description": "description",
            "Unit price": "list_price",
            "Price": "list_price",
            "Unit cost": "unit_cost",
            "Cost of goods sold": "unit_cost",
            "Currency": "currency",
        },
        # An engagements export (calls, e-mails, meetings, notes, tasks in one file).
        "activities": {
            "Record ID": "external_id",
            "Activity type": "type",
            "Engagement type": "type",
            "Activity date": "at",
            "Create date": "at",
            "Due date": "due_at",
            "Task status": "status",
            "Task title": "title",
            "Meeting name": "title",
            "Email subject": "title",
            "Call title": "title",
            "Call outcome": "outcome",
            "Meeting outcome": "outcome",
            "Call duration": "duration",
            "Call notes": "notes",
            "Note body": "notes",
            "Task notes": "notes",
            "Meeting description": "notes",
            "Associated Contact IDs": "contact_external_id",
            "Associated Contact ID": "contact_external_id",
            "Associated Contact Email": "contact_email",
            "Associated Deal IDs": "deal_external_id",
            "Associated Deal ID": "deal_external_id",
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
        # Products (Product2) with their standard price book entry's list price; Salesforce
        # has no standard cost field, so a "Unit Cost" column is mapped when present.
        "products": {
            "Product ID": "external_id",
            "Product Name": "name",
            "Product Code": "sku",
            "Product Description": "description",
            "List Price": "list_price",
            "Standard Price": "list_price",
            "Unit Cost": "unit_cost",
            "Product Currency": "currency",
            "Currency ISO Code": "currency",
            "Active": "is_active",
        },
        # A Task and Event export (activities: "Task Subtype" or "Type" says which kind).
        "activities": {
            "Activity ID": "external_id",
            "Task Subtype": "type",
            "Type": "type",
            "Subject": "title",
            "Status": "status",
            "Activity Date": "at",
            "Start": "at",
            "Due Date": "due_at",
            "Call Result": "outcome",
            "Call Duration": "duration",
            "Comments": "notes",
            "Description": "notes",
            "Lead ID": "lead_external_id",
            "Contact ID": "contact_external_id",
            "Name ID": "contact_external_id",
            "Opportunity ID": "deal_external_id",
            "Related To ID": "deal_external_id",
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
