"""The address a request came from, as sign-in lockouts (django-axes) see it.

Behind the TLS proxy (``BEHIND_TLS_PROXY``), ``REMOTE_ADDR`` is the proxy's own address, the
same for every client, so it would lock everybody out together. Each trusted proxy appends the
address it received the request from to ``X-Forwarded-For``, so the client is the entry
``TRUSTED_PROXY_COUNT`` places from the right; whatever a client wrote further left is its own
claim and is never used. Without the proxy the header is ignored: any client could write it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or behind the proxy the address the trusted
    proxies recorded (read the way DRF's throttles read it with ``NUM_PROXIES``)."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not settings.BEHIND_TLS_PROXY or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",")]
    claimed = entries[-min(settings.TRUSTED_PROXY_COUNT, len(entries))]
    try:
        return str(ipaddress.ip_address(claimed))
    except ValueError:
        # A trusted proxy always writes an address; this is a proxy set up otherwise. The
        # lockout table holds addresses only, so fall back to the peer rather than fail.
        return remote
