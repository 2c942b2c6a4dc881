"""Keeping the secrets of one-time links out of logs: gunicorn's access log and Django's own.

Invitation links (``/me/welcome/<token>/``), password-reset links
(``/accounts/reset/<uidb64>/<token>/``) and two-step enrolment links
(``/accounts/two-step/enrol/<token>/``) carry their credential in the path. The views swap it
into the session and redirect to a token-free address at once, but the first request is still
logged by gunicorn ("GET /me/welcome/... 302") and by Django ("Not Found: /me/welcome/..."). Here
those path segments, and any query-string value named ``token``, become ``[redacted]``, also when
the path is percent-encoded inside another address (``?next=%2Fme%2Fwelcome%2F...``).
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

REDACTED = "[redacted]"
# The step name the views put in place of the token once it is in the session: not a secret.
STEP_AFTER_LINK = "set-password"

_SEP = r"(?:/|%2[Ff])"
# One path segment: up to the next slash (plain or encoded), query, fragment, space or quote.
_SEGMENT = r"(?:(?!%2[Ff])[^/?#&\s\"'])+"
_SECRET = rf"(?!{STEP_AFTER_LINK}(?:{_SEP}|[?#&\s\"']|$)){_SEGMENT}"

_LINKS = [
    # /accounts/reset/<uidb64>/<token>/: the account's id first (it names the account), then
    # the token; /accounts/reset/done/ has no second segment and is left alone.
    rf"(?P<before>{_SEP}accounts{_SEP}reset{_SEP}){_SEGMENT}(?={_SEP}{_SEGMENT})",
    rf"(?P<before>{_SEP}accounts{_SEP}reset{_SEP}{re.escape(REDACTED)}{_SEP}){_SECRET}",
    rf"(?P<before>{_SEP}me{_SEP}welcome{_SEP}){_SECRET}",
    rf"(?P<before>{_SEP}accounts{_SEP}two-step{_SEP}enrol{_SEP}){_SECRET}",
    # ?token=..., &token=..., a bare query string (gunicorn's %(q)s), and the same
    # percent-encoded inside another parameter's value.
    r"(?P<before>(?:^|[?&;\s\"']|%3[Ff]|%26)token(?:=|%3[Dd]))[^&;#\s\"']+",
]
_PATTERNS = [re.compile(link) for link in _LINKS]


def redact(text: str) -> str:
    """``text`` with the secrets of one-time links replaced by ``[redacted]``."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group("before") + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A logging filter (for handlers, so it sees every logger's records) that redacts the
    formatted message: Django logs the path as an argument ("Not Found: %s")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with every access-log line (request line, path, query, Referer and any
    other atom a format names) and error-log line ("Error handling request /me/welcome/...")
    redacted. Named by ``logger_class`` in `ssm_outcomes.gunicorn_conf`."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecretsFilter) for f in log.filters):
                log.addFilter(RedactSecretsFilter())
