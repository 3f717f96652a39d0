"""The digest as an HTML e-mail: the same sections as the page, its charts inline (CID
images), a link to the page, and a plain-text part for clients that show no HTML."""

from __future__ import annotations

from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.digest.charts import CHARTS, chart_png
from accord.digest.labels import sla_labelled
from accord.digest.models import Digest


def page_url(digest: Digest) -> str:
    base = getattr(settings, "PRIVACY_PUBLIC_URL", "").rstrip("/")
    return base + reverse("digest:detail", args=[digest.pk])


def digest_message(digest: Digest, user: User) -> EmailMultiAlternatives:
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        url = page_url(digest)
        context = {
            "digest": digest,
            "c": digest.content,
            "sla": sla_labelled(digest.content),
            "url": url,
            "email": True,
        }
        html = render_to_string("digest/email.html", context)
        text = _("The weekly joint digest %(week)s is ready: %(url)s") % {
            "week": str(digest),
            "url": url,
        }
        message = EmailMultiAlternatives(
            subject=_("[Accord] Weekly joint digest %(week)s") % {"week": str(digest)},
            body=text,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[user.email],
        )
        message.attach_alternative(html, "text/html")
        message.mixed_subtype = "related"  # type: ignore[attr-defined]  # images beside the HTML
        for name in CHARTS:
            image = MIMEImage(chart_png(digest.content, name), "png")
            image.add_header("Content-ID", f"<{name}>")
            image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
            message.attach(image)
    return message
