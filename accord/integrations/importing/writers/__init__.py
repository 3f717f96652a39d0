"""Bulk upsert per entity: plan with a few ``IN`` queries (read-only), then write in bulk.

``<entity>_plan(records, now=...)`` (one module per entity) decides what to create and update
and returns a ``WritePlan`` (``plan.py``) whose counts a dry run reports and whose ``apply``
the service calls inside the import's one transaction. Planning may reject records that
point at unknown rows (a deal's contact email nobody has); those come back as row errors.

Update rules: people and leads only gain data (blank fields are filled, as
``contact_upsert`` does), so an old export never overwrites fresher data. Deals and spend take
the file's values (the export is the source of truth for an amount or a day's cost).
"""

from collections.abc import Callable

from accord.integrations.importing.writers.activities import activities_plan
from accord.integrations.importing.writers.contacts import contacts_plan
from accord.integrations.importing.writers.deals import deals_plan
from accord.integrations.importing.writers.leads import leads_plan
from accord.integrations.importing.writers.plan import CampaignBook, WritePlan
from accord.integrations.importing.writers.products import products_plan
from accord.integrations.importing.writers.spend import spend_plan
from accord.integrations.importing.writers.touchpoints import touchpoints_plan

PLANNERS: dict[str, Callable[..., WritePlan]] = {
    "contacts": contacts_plan,
    "leads": leads_plan,
    "deals": deals_plan,
    "touchpoints": touchpoints_plan,
    "spend": spend_plan,
    "products": products_plan,
    "activities": activities_plan,
}

__all__ = ["PLANNERS", "CampaignBook", "WritePlan", "leads_plan"]
