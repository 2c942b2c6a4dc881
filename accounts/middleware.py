"""Holding a signed-in session at the two-step check until its code is given."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from .two_step import SESSION_HELD, device_of, must_give_code

#: Where a held session may go (by URL name): the pages that finish or set up two-step sign-in
#: (the e-mailed set-up link included), sign-out and the health check.
OPEN_WHILE_HELD = frozenset(
    {"two_step", "two_step_verify", "two_step_recovery", "two_step_enrol", "logout", "health"}
)


def _open_while_held(path: str) -> bool:
    if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in OPEN_WHILE_HELD  # namespaced names (admin:logout) are not open


class TwoStepMiddleware:
    """A session signed in with a password alone, for an account that needs a code, reaches only
    the two-step pages and sign-out: pages redirect there, the API answers 403.

    Whether a session is held is worked out once per session and kept in it, so requests of
    accounts without two-step sign-in cost no query. API calls with a token do not pass through
    a session: the token itself is only issued with a code (`TokenView`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and self._held(request)
            and not _open_while_held(request.path_info)
        ):
            return self._hold(request)
        return self.get_response(request)

    @staticmethod
    def _held(request) -> bool:
        held = request.session.get(SESSION_HELD)
        if held is None:
            held = must_give_code(request.user)
            request.session[SESSION_HELD] = held
        return held

    @staticmethod
    def _hold(request):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Finish two-step sign-in first: give the code from your app."},
                status=403,
            )
        target = "two_step_verify" if device_of(request.user) else "two_step"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
