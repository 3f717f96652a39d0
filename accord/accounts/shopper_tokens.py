"""Signed test-lead tokens: how a lead submitted through the public form becomes a test lead.

A test lead (``contacts.Lead.is_test``) is the mystery shopper's lead: it is routed and worked
like any other, and left out of every funnel, KPI, attribution, training and quota figure.
Only an auditor (``policy.auditor_allowed``) mints a token, on /audits/; the public capture
endpoint accepts the token in the ``test_lead_token`` field and refuses everything else that
tries to mark a lead as a test. The token is signed with the site's secret (Django's signing,
salted for this purpose), names the auditor and expires; at capture the auditor must still
be an active auditor. A token is single-use: the capture that accepts it spends its nonce in
the same transaction (``ShopperTokenUse``, unique), so a second submission with it — a
replayed form, a token copied into a real page — is refused and saves nothing; an auditor
mints one token per test lead.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accord.accounts.models import ShopperTokenUse, User
from accord.accounts.policy.quality import auditor_allowed, auditor_require
from accord.core.errors import InvalidInput, PermissionDenied

SALT = "accord.test-lead-token"
MAX_AGE = timedelta(days=14)
FIELD = "test_lead_token"


def shopper_token_mint(*, by: User) -> str:
    """A new token for ``by`` (an auditor), valid for ``MAX_AGE``."""
    auditor_require(by)
    return signing.dumps({"u": by.pk, "n": secrets.token_hex(6)}, salt=SALT, compress=True)


def _used_refusal() -> InvalidInput:
    return InvalidInput(
        _("This test-lead token was used already; mint a new one on the audits page."),
        field=FIELD,
    )


def _claims(token: str) -> dict:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("The test-lead token has expired; mint a new one on the audits page."), field=FIELD
        ) from None
    except signing.BadSignature:
        raise InvalidInput(_("The test-lead token is not valid."), field=FIELD) from None
    return data if isinstance(data, dict) else {}


def shopper_token_check(token: str) -> User:
    """The auditor who minted ``token``; a bad, expired, spent or orphaned token is refused."""
    data = _claims(token)
    if ShopperTokenUse.objects.filter(nonce=str(data.get("n", ""))).exists():
        raise _used_refusal()
    user_id = data.get("u")
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None or not auditor_allowed(user):
        raise PermissionDenied(
            _("The test-lead token was minted by someone who is no longer an auditor."),
            field=FIELD,
        )
    return user


def shopper_token_spend(token: str, *, lead_id: int) -> None:
    """Spend ``token`` on the test lead it marked; called in the capture's transaction, so a
    refused capture spends nothing and two racing captures cannot both use it."""
    data = _claims(token)
    try:
        with transaction.atomic():
            ShopperTokenUse.objects.create(
                nonce=str(data.get("n", "")),
                auditor_id=data.get("u") if isinstance(data.get("u"), int) else None,
                lead_id=lead_id,
            )
    except IntegrityError:
        raise _used_refusal() from None
