"""The id of a request, for its log lines and its audit rows."""

from __future__ import annotations

import uuid

from django.http import HttpRequest


def request_id_of(request: HttpRequest) -> str:
    """The id a proxy gave the request, or one of our own, kept on the request for its logs."""
    # HttpRequest declares no such attribute: it is ours, so it is read and set by name.
    request_id: str | None = getattr(request, "ssm_request_id", None)
    if not request_id:
        given = request.META.get("HTTP_X_REQUEST_ID", "")[:64]
        request_id = given if given.isprintable() and given else uuid.uuid4().hex
        setattr(request, "ssm_request_id", request_id)  # noqa: B010
    return request_id
