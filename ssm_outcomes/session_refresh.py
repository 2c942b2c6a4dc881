"""The idle timeout without a database write on every page.

Django can save the session on every request (``SESSION_SAVE_EVERY_REQUEST``) so that its age
becomes an idle timeout; that turns every page view, however small, into a write transaction on
the session table. ``SessionRefreshMiddleware`` saves a signed-in session again only once
``SESSION_REFRESH_SECONDS`` have passed since it was last saved, which moves its expiry (in the
database and in the cookie) another ``SESSION_COOKIE_AGE`` on. So a user who keeps working is
never signed out, and one who stops is signed out between ``SESSION_COOKIE_AGE`` minus
``SESSION_REFRESH_SECONDS`` and ``SESSION_COOKIE_AGE`` after their last request (29 to 30 minutes
with the defaults). Connected at start-up by the accounts app (``accounts.apps``), so that a
sign-in stamps the session it saves.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESHED_AT = "_refreshed_at"  # the session key: when it was last saved, in epoch seconds


def now() -> int:
    """The clock the refresh reads (a function, so tests can move it)."""
    return int(time.time())


@receiver(user_logged_in)
def _stamp_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in saves the session: stamped then, the minute after needs no save of its own."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_AT] = now()


class SessionRefreshMiddleware:
    """Marks the session to be saved when it was last saved at least ``SESSION_REFRESH_SECONDS``
    ago. It sits below ``SessionMiddleware``, so the session is saved on the way out as any
    changed session is. Empty sessions (visitors who have not signed in, people who have just
    signed out, a cookie whose session has expired) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        # A session the view changed is saved anyway: it is stamped, so the requests of the next
        # minute need not save it again.
        if session.modified:
            session[REFRESHED_AT] = now()
            return response
        last = session.get(REFRESHED_AT, 0)
        # Reading it may have found nothing to keep (a cookie of a session that has expired).
        if not session.is_empty() and now() - last >= settings.SESSION_REFRESH_SECONDS:
            session[REFRESHED_AT] = now()
        return response
