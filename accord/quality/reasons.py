"""The reasons a review's rater may give: the agreement in force's rejection reasons (why a
lead falls short), and one for a lead that meets the agreed definition."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accord.handoff.agreement.terms import rejection_reasons

FITS = "fits_definition"


def reason_choices() -> list[tuple[str, str]]:
    return [
        (FITS, _("Meets the agreed definition")),
        *((reason.code, reason.label) for reason in rejection_reasons()),
    ]


def reason_codes() -> set[str]:
    return {code for code, _label in reason_choices()}


def reason_labels() -> dict[str, str]:
    return dict(reason_choices())
