"""What happens when … — every consequence of a lifecycle event, registered in one place.

Lower apps emit the events of ``accord.core.events``; the apps above them subscribe here and
nowhere else, so this module, read top to bottom, is the whole answer. Handlers run in the
order listed, synchronously, inside the emitter's transaction (``accord.core.hooks``).
``accord.web``'s ``ready()`` calls ``wire()``; ``tests/architecture/test_wiring.py`` asserts
the table.
"""

from __future__ import annotations

from accord.analytics import copy_updates
from accord.core import events, hooks
from accord.handoff import hooks as handoff
from accord.handoff.sla import counting as sla_counting
from accord.integrations.webhooks import handlers as webhooks
from accord.integrations.webhooks import personal_data as webhook_personal_data
from accord.intel import hooks as intel
from accord.privacy import audit as privacy_audit
from accord.privacy import capture as privacy_capture
from accord.quality import selectors as quality
from accord.scoring import lifecycle as scoring


def wire() -> None:
    """Register every handler (idempotent: ``hooks.on`` ignores a handler it already has)."""
    # --- lifecycle ---
    # A lead is created (contacts; capture sends the id only): webhooks announce lead.created.
    hooks.on(events.LeadCreated, webhooks.lead_created_publish)
    # A lead moves to another stage (contacts.lead_transition): webhooks announce
    # lead.stage_changed; then, on a move to MQL, the hand-off starts in the same transaction
    # (lead.mql, routing, SLA clocks, notifications: handoff/hooks.py).
    hooks.on(events.StageEntered, webhooks.stage_entered_publish)
    hooks.on(events.StageEntered, handoff.mql_entered_route)
    # A lead's, contact's or account's fields change (contacts): scoring queues a rescore.
    hooks.on(events.LeadChanged, scoring.lead_changed_rescore)
    # A touch is recorded on a lead (tracking): scoring queues a rescore for that touch.
    hooks.on(events.TouchRecorded, scoring.touch_recorded_rescore)
    # The worker takes up a captured form's follow-up (tracking): scoring scores the lead now,
    # which may move it to MQL (and so route it, above).
    hooks.on(events.SubmissionSettled, scoring.submission_settled_score)
    # A deal is won or lost (pipeline): its lead becomes a customer or is lost (the hand-off;
    # the funnel's last stages agree with the deals), then webhooks announce deal.won and
    # deal.lost; a move to another stage (pipeline.deal_move) is announced as
    # deal.stage_changed.
    hooks.on(events.DealWon, handoff.deal_closed_lead_move)
    hooks.on(events.DealWon, webhooks.deal_won_publish)
    hooks.on(events.DealLost, handoff.deal_closed_lead_move)
    hooks.on(events.DealLost, webhooks.deal_lost_publish)
    hooks.on(events.DealStageChanged, webhooks.deal_stage_changed_publish)
    # An app publishes an event outsiders may subscribe to (the hand-off's lead.mql,
    # lead.assigned, sla.breached …): webhooks deliver it.
    hooks.on(events.Published, webhooks.published_deliver)
    # A product's list price changes, a promotion starts (pipeline): the market-intelligence
    # feed posts it (a price-change or promotion post; its intel.posted goes out as above).
    hooks.on(events.ProductPriceChanged, intel.price_changed_post)
    hooks.on(events.PromotionStarted, intel.promotion_started_post)
    # An app tells people something (pipeline: a task's reminder, an overdue task, a stale
    # deal): the hand-off's notifications ring the bell and queue the e-mail (outbox).
    hooks.on(events.PersonAlerted, handoff.person_alerted_notify)

    # --- privacy ---
    # A user is created or their access changes, an API key is issued or revoked (accounts):
    # the audit log records who did it, in the same transaction.
    hooks.on(events.UserAccessChanged, privacy_audit.user_access_audit)
    hooks.on(events.ApiKeyIssued, privacy_audit.api_key_issued_audit)
    hooks.on(events.ApiKeyRevoked, privacy_audit.api_key_revoked_audit)
    # A capture form ticked a consent box (tracking): the consent ledger records the grants,
    # committed with the lead.
    hooks.on(events.ConsentSubmitted, privacy_capture.consent_submitted_record)
    # Touches were moved to another channel (tracking): the analytics copy re-reads them.
    hooks.on(events.ChannelsRegrouped, copy_updates.copy_touches_reread)
    # A person is anonymised (privacy: erasure, retention): the webhook delivery logs naming
    # them are masked, and after commit the analytics copy clears their leads' properties.
    hooks.on(events.ContactAnonymised, webhook_personal_data.deliveries_anonymise)
    hooks.on(events.ContactAnonymised, copy_updates.copy_contact_erase)
    # A person's data is exported (privacy): the webhook deliveries naming them go in too.
    hooks.on(events.PersonDataRequested, webhook_personal_data.deliveries_export)
    # A retention period ran out for data privacy does not hold (webhook delivery logs):
    # its holder deletes it; anonymous touches deleted also leave the analytics copy.
    hooks.on(events.RetentionDue, webhook_personal_data.deliveries_expire)
    hooks.on(events.AnonymousTouchesDeleted, copy_updates.copy_anonymous_touches_delete)

    # --- what a lower app asks of a higher one ---
    # Which test leads count in the reps' SLA statistics (handoff, the analytics copy, the
    # digest): those an audit says count (quality).
    sla_counting.counted_tests_provide(quality.sla_counted_test_leads)
