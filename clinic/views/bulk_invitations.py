"""Inviting many patients at once from the caseload: those with an email address are emailed
their invitation in their language; for the others the page that answers is a set of printable
letters, one A4 page each, with the link as a QR code and as a short code to type. Patients who
already have a login are left out: staff never see a link that opens an existing login."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from patients.audit import Audit
from patients.emails import site_link
from patients.invitations import invitations_bulk, short_token_grouped
from patients.selectors import patients_visible_to
from ssm_outcomes.digits import whole_number

from .workspace import clinician_required


def _qr_svg(link: str) -> str:
    """The link as an SVG QR code, drawn on the server: markup from our own library call."""
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@require_POST
@clinician_required
def invite_many(request):
    visible = patients_visible_to(user=request.user)
    if request.POST.get("all_without_login"):
        chosen = visible.filter(user__isnull=True)
    else:
        ids = [whole_number(value) for value in request.POST.getlist("patients")]
        ids = [pk for pk in ids if pk is not None]
        chosen = visible.filter(pk__in=ids)
    chosen = chosen.order_by("display_name", "pk")
    if not chosen.exists():
        messages.error(
            request, _("Tick the patients to invite, or choose “Invite everyone without a login”.")
        )
        return redirect("clinic:caseload")
    invited, have_login = invitations_bulk(
        patients=chosen,
        created_by=request.user,
        audit=Audit.of(request, "create", "portal invitation"),
    )
    letters = []
    for one in invited:
        if one.emailed:
            continue
        link = site_link("portal:welcome", token=one.token)
        letters.append(
            {
                "patient": one.patient,
                "language": one.language,
                "qr": _qr_svg(link),
                "typed": site_link("portal:welcome", token=short_token_grouped(one.token)),
                "expires_at": one.invitation.expires_at,
            }
        )
    return render(
        request,
        "clinic/invitation_letters.html",
        {
            "emailed": [one for one in invited if one.emailed],
            "letters": letters,
            "have_login": have_login,
        },
    )
