"""Account pages for staff: two-step sign-in (turn it on or off, and give the code at sign-in)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..two_step import (
    device_of,
    qr_code_svg,
    secret_for_typing,
    two_step_offered,
    two_step_pending_device,
    two_step_required,
    two_step_turn_off,
    two_step_turn_on,
    two_step_verify,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code",
        help_text="The number your authenticator app shows now, for example 123 456.",
        max_length=12,
        error_messages={"required": "Enter the 6-digit code from your app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


def _submitted(request, action) -> CodeForm:
    """Run `action(code)` for a posted, valid form; put its error next to the field."""
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            action(form.cleaned_data["code"])
        except ValidationError as error:
            for message in error.message_dict.get("code", error.messages):
                form.add_error("code", message)
    return form


def _next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "home"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_step(request):
    """Whether two-step sign-in is on, and the way to turn it on (scan, then confirm a code) or
    off (confirm a code). Administrators land here until they have set it up."""
    user = request.user
    if not two_step_offered(user):
        raise PermissionDenied("Two-step sign-in is for staff accounts.")
    device = device_of(user)
    if device is not None and not user.is_verified():
        return redirect("two_step_verify")
    form = CodeForm()
    if request.method == "POST":
        if device is None:
            form = _submitted(request, lambda code: two_step_turn_on(request=request, code=code))
            if form.is_valid():
                messages.success(request, "Two-step sign-in is on.")
                return redirect(_next_page(request))
        else:
            form = _submitted(request, lambda code: two_step_turn_off(request=request, code=code))
            if form.is_valid():
                messages.success(request, "Two-step sign-in is off.")
                return redirect("two_step")
    context = {
        "form": form,
        "device": device,
        "required": two_step_required(user),
        "next": _next_page(request) if request.GET.get("next") else "",
    }
    if device is None:
        pending = two_step_pending_device(user=user)
        context["qr_code"] = mark_safe(qr_code_svg(pending))  # noqa: S308 - library-drawn SVG
        context["secret"] = secret_for_typing(pending)
    return render(request, "account/two_step.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_step_code(request):
    """The second step of signing in: the code from the authenticator app."""
    if request.user.is_verified() or device_of(request.user) is None:
        return redirect(_next_page(request))
    form = CodeForm()
    if request.method == "POST":
        form = _submitted(request, lambda code: two_step_verify(request=request, code=code))
        if form.is_valid():
            return redirect(_next_page(request))
    return render(
        request, "account/two_step_verify.html", {"form": form, "next": _next_page(request)}
    )
