"""Two-step sign-in pages for staff: set it up (after an e-mailed link or an administrator's
approval), turn it off, give the code at sign-in, sign in with a recovery code, make new
recovery codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ..forms import CodeForm, RecoveryCodeForm
from ..selectors import enrolment_link_latest, recovery_codes_left
from ..services import ENROLMENT_APPROVAL_HOURS, ENROLMENT_LINK_MINUTES, enrolment_link_send
from ..two_step import (
    device_of,
    enrolment_grant_take,
    enrolment_link_open,
    qr_code_svg,
    recovery_codes_renew,
    secret_for_typing,
    two_step_offered,
    two_step_pending_device,
    two_step_recover,
    two_step_required,
    two_step_turn_off,
    two_step_turn_on,
    two_step_verify,
)

SESSION_LINK = "two_step_enrolment_link"  # the e-mailed link's token, between its two steps
ENROL_STEP = "continue"  # what replaces the token in the address once it is in the session
FEW_CODES_LEFT = 3


def _submitted(request, form_class, action):
    """Run `action(code)` for a posted, valid form; put its error next to the field."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = action(form.cleaned_data["code"])
        except ValidationError as error:
            for message in error.message_dict.get("code", error.messages):
                form.add_error("code", message)
        else:
            form.result = result
    return form


def _next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "home"


def _next_url(request) -> str:
    target = _next_page(request)
    return reverse(target) if target == "home" else target


def _staff_only(request) -> None:
    if not two_step_offered(request.user):
        raise PermissionDenied("Two-step sign-in is for staff accounts.")


def masked(email: str) -> str:
    """Enough of an address for its owner to recognise, not enough to give it away to someone
    who has only the password: d•••@example.org."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _recovery_codes_page(request, codes: list[str], *, first: bool):
    return render(
        request,
        "account/recovery_codes_new.html",
        {"codes": codes, "first": first, "next": _next_url(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_step(request):
    """Whether two-step sign-in is on, and the way to turn it on (confirm it is you by an e-mailed
    link or an administrator's approval, scan, then confirm a code) or off (confirm a code).
    Administrators land here until they have set it up."""
    _staff_only(request)
    user = request.user
    device = device_of(user)
    if device is not None and not user.is_verified():
        return redirect("two_step_verify")
    next_page = _next_page(request) if request.GET.get("next") or request.POST.get("next") else ""
    form = CodeForm()
    link_problem = None
    if request.method == "POST" and device is not None:
        form = _submitted(
            request, CodeForm, lambda code: two_step_turn_off(request=request, code=code)
        )
        if form.is_valid():
            messages.success(request, _("Two-step sign-in is off."))
            return redirect("two_step")
    elif request.method == "POST" and request.POST.get("action") == "send-link":
        try:
            enrolment_link_send(user=user)
        except ValidationError as error:
            link_problem = error.messages[0]
        else:
            messages.success(
                request,
                _("We have sent a set-up link to %(email)s.") % {"email": masked(user.email)},
            )
            here = reverse("two_step")
            return redirect(f"{here}?{urlencode({'next': next_page})}" if next_page else here)
    grant = enrolment_grant_take(request=request) if device is None else None
    if request.method == "POST" and device is None and link_problem is None:
        form = _submitted(
            request, CodeForm, lambda code: two_step_turn_on(request=request, code=code)
        )
        if form.is_valid():  # the page of codes says that two-step sign-in is on
            _device, codes = form.result
            return _recovery_codes_page(request, codes, first=True)
    context = {
        "form": form,
        "device": device,
        "required": two_step_required(user),
        "next": next_page,
        "grant": grant,
        "link_problem": link_problem,
    }
    if device is not None:
        context["codes_left"] = recovery_codes_left(user=user)
    elif grant is not None:
        pending = two_step_pending_device(user=user)
        context["qr_code"] = mark_safe(qr_code_svg(pending))  # noqa: S308 - library-drawn SVG
        context["secret"] = secret_for_typing(pending)
    else:
        context["email"] = masked(user.email) if user.email else ""
        context["link_sent"] = enrolment_link_latest(user=user)
        context["link_minutes"] = ENROLMENT_LINK_MINUTES
        context["approval_hours"] = ENROLMENT_APPROVAL_HOURS
    return render(request, "account/two_step.html", context)


@never_cache
@require_GET
def two_step_enrol(request, token: str):
    """The e-mailed set-up link. Its token goes into the session and out of the address bar,
    history and Referer; then, signed in as the link's user, on to setting up the app."""
    if token != ENROL_STEP:
        request.session[SESSION_LINK] = token
        return redirect("two_step_enrol", token=ENROL_STEP)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    token = request.session.pop(SESSION_LINK, None)
    if not token:
        reason, status = _("Please open the link from your email again."), 400
    else:
        try:
            enrolment_link_open(request=request, token=token)
        except ValidationError as error:
            # A link used or expired is gone for good; anything else is a wrong turn.
            reason = error.messages[0]
            status = 410 if getattr(error, "code", None) in ("used", "expired") else 400
        else:
            messages.success(
                request, _("Thank you: the link is confirmed. Now set up your authenticator app.")
            )
            return redirect("two_step")
    return render(request, "account/two_step_link_refused.html", {"reason": reason}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_step_code(request):
    """The second step of signing in: the code from the authenticator app."""
    _staff_only(request)
    if request.user.is_verified() or device_of(request.user) is None:
        return redirect(_next_page(request))
    form = CodeForm()
    if request.method == "POST":
        form = _submitted(
            request, CodeForm, lambda code: two_step_verify(request=request, code=code)
        )
        if form.is_valid():
            return redirect(_next_page(request))
    return render(
        request,
        "account/two_step_verify.html",
        {"form": form, "next": _next_page(request) if request.GET.get("next") else ""},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_step_recovery(request):
    """The second step of signing in with a recovery code, for a lost or forgotten phone."""
    _staff_only(request)
    if request.user.is_verified() or device_of(request.user) is None:
        return redirect(_next_page(request))
    form = RecoveryCodeForm()
    if request.method == "POST":
        form = _submitted(
            request, RecoveryCodeForm, lambda code: two_step_recover(request=request, code=code)
        )
        if form.is_valid():
            left = form.result
            note = ngettext(
                "You signed in with a recovery code. You have %(left)d left.",
                "You signed in with a recovery code. You have %(left)d left.",
                left,
            ) % {"left": left}
            if left <= FEW_CODES_LEFT:
                note += " " + _("Make a new set soon, from Two-step sign-in on your home page.")
            messages.warning(request, note)
            return redirect(_next_page(request))
    return render(
        request,
        "account/two_step_recovery.html",
        {"form": form, "next": _next_page(request) if request.GET.get("next") else ""},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left, and a new set for a current code from the app."""
    _staff_only(request)
    if device_of(request.user) is None:
        return redirect("two_step")
    form = CodeForm()
    if request.method == "POST":
        form = _submitted(
            request, CodeForm, lambda code: recovery_codes_renew(request=request, code=code)
        )
        if form.is_valid():
            return _recovery_codes_page(request, form.result, first=False)
    return render(
        request,
        "account/recovery_codes.html",
        {"form": form, "codes_left": recovery_codes_left(user=request.user)},
    )
