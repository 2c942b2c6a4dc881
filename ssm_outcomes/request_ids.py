"""The id of a request, for its log lines and its audit rows."""

from __future__ import annotations

import uuid

from django.http import HttpRequest


def request_id_of(request: HttpRequest) -> str:
    """The id a proxy gave the request, or one of our own, kept on the request for its logs."""
    if not getattr(request, "ssm_request_id", None):
        given = request.META.get("HTTP_X_REQUEST_ID", "")[:64]
        request.ssm_request_id = given if given.isprintable() and given else uuid.uuid4().hex
    return request.ssm_request_id
