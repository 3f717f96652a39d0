"""Signed test-lead tokens: how a lead submitted through the public form becomes a test lead.

A test lead (``contacts.Lead.is_test``) is the mystery shopper's lead: it is routed and worked
like any other, and left out of every funnel, KPI, attribution, training and quota figure.
Only an auditor (``policy.auditor_allowed``) mints a token, on /audits/; the public capture
endpoint accepts the token in the ``test_lead_token`` field and refuses everything else that
tries to mark a lead as a test. The token is signed with the site's secret (Django's signing,
salted for this purpose), names the auditor and expires; at capture the auditor must still
be an active auditor.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.accounts.policy.quality import auditor_allowed, auditor_require
from accord.core.errors import InvalidInput, PermissionDenied

SALT = "accord.test-lead-token"
MAX_AGE = timedelta(days=14)
FIELD = "test_lead_token"


def shopper_token_mint(*, by: User) -> str:
    """A new token for ``by`` (an auditor), valid for ``MAX_AGE``."""
    auditor_require(by)
    return signing.dumps({"u": by.pk, "n": secrets.token_hex(6)}, salt=SALT, compress=True)


def shopper_token_check(token: str) -> User:
    """The auditor who minted ``token``; a bad, expired or orphaned token is refused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("The test-lead token has expired; mint a new one on the audits page."), field=FIELD
        ) from None
    except signing.BadSignature:
        raise InvalidInput(_("The test-lead token is not valid."), field=FIELD) from None
    user_id = data.get("u") if isinstance(data, dict) else None
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
