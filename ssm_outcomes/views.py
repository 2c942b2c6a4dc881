"""The site-wide views: health check and the error handlers (400s, 500, and 503 when the
database is out of reach), and the answers to input refused before any view ran (400, 404, 413)."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found, permission_denied
from django.views.defaults import server_error as default_server_error

from .body_limit import body_too_large_message
from .request_ids import request_id_of
from .signals import access_refused

log = logging.getLogger(__name__)


@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404: JSON under /api/ (what integrators parse), the site's page elsewhere. A refused
    access is audited; a 404 on a record the view found within the caller's role
    (``records_within_role``: a goal or condition id not there) is not a refusal."""
    if not getattr(request, "records_within_role", False):
        audit_refusal(
            request,
            404,
            (request.resolver_match.kwargs.get("patient_id") if request.resolver_match else None),
        )
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def unroutable(request):
    """404 for a path no route can take (one holding a NUL character): as `not_found`, but with
    no audit row, whose path column could not hold it."""
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, None)


def bad_input(request, problem: str | dict[str, list[str]], status: int = 400):
    """400 (or 413) for input refused before any view ran (`ssm_outcomes.input_guard`).

    Under /api/, JSON: ``{"detail": ...}``, or each parameter or field named with its rule, like
    DRF's errors. Elsewhere, the 400 page, rendered without the request, so that nothing reads
    the session or the user: the request is not one to trust.
    """
    if _wants_json(request):
        body = {"detail": problem} if isinstance(problem, str) else problem
        return JsonResponse(body, status=status)
    context: dict[str, object]
    if isinstance(problem, str):
        context = {"reason": problem}
    else:
        shown = [(name.replace("\x00", "\\0"), ", ".join(rules)) for name, rules in problem.items()]
        context = {"problems": shown}
    return HttpResponse(loader.render_to_string("400.html", context), status=status)


def bad_request(request, exception=None):
    """400 for a request Django itself refused (a SuspiciousOperation: more parameters than it
    reads, a body beyond its limit, a host not allowed...). What the client can fix is said;
    anything else stays in the log Django writes."""
    if isinstance(exception, RequestDataTooBig):
        return bad_input(
            request, body_too_large_message(), status=413 if _wants_json(request) else 400
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return bad_input(
            request,
            _(
                "The request has more parameters or form fields than this service reads "
                "(at most %(limit)d)."
            )
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
        )
    return bad_input(request, _("The request could not be accepted."))


def server_error(request):
    """500, or 503 when the cause is a lost or refused database connection (see below)."""
    error = sys.exception()
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request, error)
    if _wants_json(request):
        return JsonResponse({"detail": "Server error: the request was not completed."}, status=500)
    return default_server_error(request)


RETRY_AFTER_SECONDS = 5


def database_unavailable(request, error: Exception):
    """503 for a request that lost its database connection, or could not get one.

    Django raises OperationalError or InterfaceError; every write service owns one transaction,
    so the write that was under way is rolled back by PostgreSQL as a whole. What the user
    learns: the service is briefly unavailable, nothing is ever half-saved, try again (the API:
    a JSON ``detail`` and ``Retry-After``). Whether a change had already been committed before
    the connection went (an audit row or a session written after it) cannot be known here, so
    the page asks the user to check the record rather than promise that nothing was saved.

    Nothing here touches the database: the page is rendered without the request (no user, no
    messages, no session), and no audit row is attempted on a connection that is gone. A 404 or
    403 whose audit row cannot be written ends here too (Django hands an error handler's own
    exception to handler500), so a refusal is answered 503, never with a crash. Django
    drops the broken connection when the request finishes (``close_old_connections``), and the
    next request opens a new one. The log line names the route, not the path, so it carries no
    patient id, and the exception's class, not its text.
    """
    match = request.resolver_match
    log.error(
        "database unavailable (%s) during %s %s, request %s: answered 503",
        type(error).__name__,
        request.method,
        match.view_name if match else "unresolved route",
        request_id_of(request),
    )
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    response: HttpResponse
    if _wants_json(request):
        detail = "Service briefly unavailable: the database could not be reached. " + (
            "A write is saved whole or not at all; read the record back before sending it again."
            if writing
            else "Nothing was changed. Try again in a moment."
        )
        response = JsonResponse({"detail": detail}, status=503)
    else:
        # Rendered without the request: no user, session or messages, so no query.
        page = loader.render_to_string("503.html", {"writing": writing})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def audit_refusal(request, status: int, patient_id=None) -> None:
    """Announce a refused access; patients.audit writes it to the audit log."""
    access_refused.send(sender=None, request=request, status=status, patient_id=patient_id)


def forbidden(request, exception=None):
    audit_refusal(request, 403)
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return permission_denied(request, exception)
