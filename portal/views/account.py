"""The portal's home page, *My settings*, *Who has seen my record*, and the invitation link that
opens the portal (choosing a username and password)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from patients.audit import Audit
from patients.invitations import INVITATION_REFUSED, LINK_LANGUAGE, invitation_accept
from patients.models import User
from patients.selectors import next_appointment
from patients.services import language_set, portal_settings_update
from portal.forms import (
    SettingsForm,
    WelcomeForm,
)
from portal.selectors import (
    encounter_awaiting_feedback,
    invitation_for_token,
    questionnaires_due,
    record_access_rows,
    record_accesses_folded,
)
from portal.views.base import (
    WELCOME_KEY,
    WELCOME_STEP,
    portal_page,
    posted,
    render_page,
)
from portal.views.questionnaires import due_links
from portal.words import INVITATION_USED, access_words, accessor_words
from ssm_outcomes.languages import chosen_language, language_offered


@portal_page
def home(request, patient):
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "appointment": next_appointment(patient=patient),
            "feedback_due": encounter_awaiting_feedback(patient=patient),
            "questionnaires": due_links(questionnaires_due(patient=patient)),
        },
    )


@portal_page
@require_http_methods(["GET", "POST"])
def settings_page(request, patient):
    user = request.user
    form = SettingsForm(
        posted(request),
        initial={
            "email": user.email,
            "reminders": not user.reminders_opt_out,
            "language": chosen_language(user),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the settings and the language stand or fall together
                portal_settings_update(
                    user=user,
                    email=form.cleaned_data["email"],
                    reminders=form.cleaned_data["reminders"],
                )
                language_set(user=user, language=form.cleaned_data["language"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            # The confirmation in the language just chosen (or the browser's, when none is).
            translation.activate(user.language or translation.get_language_from_request(request))
            messages.success(request, _("Your settings are saved."))
            return redirect("portal:settings")
    return render_page(request, "settings.html", {"form": form}, form)


ACCESSES_PER_PAGE = 50


@portal_page
def access_log(request, patient):
    """Who has opened or changed my record: every audit row that names me, newest first."""
    page = Paginator(record_access_rows(patient=patient), ACCESSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = [
        {
            "access": access,
            "who": accessor_words(
                name=str(access.actor) if access.actor else None,
                role=access.actor_role,
                is_you=access.actor is not None and access.actor.pk == patient.user_id,
                what=access.what,
            ),
            "did": access_words(action=access.action, what=access.what),
        }
        for access in record_accesses_folded(rows=page.object_list)
    ]
    return render_page(request, "access_log.html", {"entries": entries, "page": page})


def _username_for(patient) -> str:
    """A username to suggest from the patient's display name, not yet taken."""
    base = slugify(patient.display_name).replace("-", ".").strip(".") or "patient"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request, token: str):
    """The invitation link: choose a password, then straight into the portal, signed in."""
    if token != WELCOME_STEP:
        # Keep the token out of the address bar, history and Referer from here on.
        invitation_for_token(token=token)
        request.session[WELCOME_KEY] = token
        response = redirect("portal:welcome", token=WELCOME_STEP)
        # The language the invitation was written in: as if chosen with the language switch
        # (the same cookie), so the welcome page opens in it and the new login keeps it.
        language = request.GET.get(LINK_LANGUAGE, "").lower()
        if language_offered(language):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax"
            )
        return response
    if not request.session.get(WELCOME_KEY):
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": _("Please open the link from your invitation again.")},
            status=400,
        )
    invitation = invitation_for_token(token=request.session[WELCOME_KEY])
    if invitation.state != "open":
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": INVITATION_REFUSED[invitation.state]},
            status=410,
        )
    if invitation.patient.user_id is not None:
        return render(
            request,
            "portal/welcome_refused.html",
            {"reason": INVITATION_REFUSED["has_login"]},
            status=410,
        )
    # The address box starts empty: the address on a login is where help with a forgotten
    # password goes, so it is one the patient types, never the one staff sent the link to.
    form = WelcomeForm(posted(request), initial={"username": _username_for(invitation.patient)})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                username=form.cleaned_data.get("username", ""),
                email=form.cleaned_data["email"],
                # The language they read the welcome page in: their e-mails follow it.
                language=translation.get_language() if request.LANGUAGE_CODE else "",
                audit=Audit.of(request, "create", INVITATION_USED),
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return render(
                    request,
                    "portal/welcome_refused.html",
                    {"reason": error.messages[0]},
                    status=410,
                )
            if "password" in error.message_dict:
                error = ValidationError(
                    {"password1": error.message_dict["password"]}
                    | {k: v for k, v in error.message_dict.items() if k != "password"}
                )
            form.add_service_errors(error)
        else:
            request.session.pop(WELCOME_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome. Your password is set. Your username is %(username)s.")
                % {"username": user.username},
            )
            return redirect("portal:home")
    return render_page(
        request,
        "welcome.html",
        {"form": form, "invitation": invitation},
        form,
    )
