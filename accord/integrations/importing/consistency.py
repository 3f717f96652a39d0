"""Does the funnel agree with the deals? A few counting queries after an import (or any time).

Imported history is trusted when every lead with a won deal is a customer, every lead with
only lost deals is lost (or closed otherwise), every open deal's lead has reached opportunity,
and every lead has its stage history (the funnel, velocity and attribution read the
``StageTransition`` log, not the lead's current stage).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.pipeline.models import CLOSED_DEAL_STAGES, Deal, DealStage

#: Stages at or past opportunity on the main path (an open deal's lead should be there).
_OPPORTUNITY_OR_LATER = (Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.LOST)


@dataclass(frozen=True)
class ConsistencyReport:
    won_deals: int
    leads_with_won_deals: int
    customers: int
    reached_customer: int
    won_leads_not_customers: int
    open_deal_leads_before_opportunity: int
    lost_only_leads_still_open: int
    leads_without_history: int
    deals_without_lead: int

    @property
    def ok(self) -> bool:
        return not (
            self.won_leads_not_customers
            or self.open_deal_leads_before_opportunity
            or self.lost_only_leads_still_open
            or self.leads_without_history
        )

    def lines(self) -> list[str]:
        head = (
            f"won deals {self.won_deals:,} (on {self.leads_with_won_deals:,} leads) · "
            f"customers {self.customers:,} (reached customer in the funnel "
            f"{self.reached_customer:,}) · leads without stage history "
            f"{self.leads_without_history:,}"
        )
        lines = [head]
        for count, text in (
            (self.won_leads_not_customers, "lead(s) with a won deal are not customers"),
            (
                self.open_deal_leads_before_opportunity,
                "lead(s) with an open deal have not reached opportunity",
            ),
            (self.lost_only_leads_still_open, "lead(s) whose deals are all lost are still open"),
            (self.deals_without_lead, "deal(s) have no lead (they count in no funnel)"),
        ):
            if count:
                lines.append(f"{count:,} {text}")
        lines.append(
            "Consistent: the funnel agrees with the deals."
            if self.ok
            else "Not consistent: see the lines above."
        )
        return lines


def consistency_check() -> ConsistencyReport:
    won = Deal.objects.filter(stage=DealStage.WON)
    won_leads = Lead.objects.filter(Exists(won.filter(lead=OuterRef("pk"))))
    open_deals = Deal.objects.filter(lead=OuterRef("pk")).exclude(stage__in=CLOSED_DEAL_STAGES)
    any_deal = Deal.objects.filter(lead=OuterRef("pk"))
    not_lost = Deal.objects.filter(lead=OuterRef("pk")).exclude(stage=DealStage.LOST)
    return ConsistencyReport(
        won_deals=won.count(),
        leads_with_won_deals=won_leads.count(),
        customers=Lead.objects.filter(stage=Stage.CUSTOMER).count(),
        reached_customer=StageTransition.objects.filter(to_stage=Stage.CUSTOMER)
        .values("lead_id")
        .distinct()
        .count(),
        won_leads_not_customers=won_leads.exclude(stage=Stage.CUSTOMER).count(),
        open_deal_leads_before_opportunity=Lead.objects.filter(Exists(open_deals))
        .exclude(stage__in=_OPPORTUNITY_OR_LATER)
        .count(),
        lost_only_leads_still_open=Lead.objects.filter(
            Exists(any_deal), ~Exists(not_lost), is_open=True
        ).count(),
        leads_without_history=Lead.objects.filter(
            ~Exists(StageTransition.objects.filter(lead=OuterRef("pk")))
        ).count(),
        deals_without_lead=Deal.objects.filter(lead__isnull=True).count(),
    )
