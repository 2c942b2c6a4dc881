from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found, permission_denied
from django.views.defaults import server_error as default_server_error


@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404: JSON under /api/ (what integrators parse), the site's page elsewhere."""
    audit_refusal(
        request,
        404,
        (request.resolver_match.kwargs.get("patient_id") if request.resolver_match else None),
    )
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Server error: the request was not completed."}, status=500)
    return default_server_error(request)


def audit_refusal(request, status: int, patient_id=None) -> None:
    """Record a refused access: who, what they asked for, and the patient if the id is real."""
    from patients.models import Patient
    from patients.services import audit_record

    patient = None
    if isinstance(patient_id, int):
        patient = Patient.objects.filter(pk=patient_id).first()
    audit_record(
        request=request, patient=patient, action="denied", what=f"{status} {request.method}"
    )


def forbidden(request, exception=None):
    audit_refusal(request, 403)
    if _wants_json(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return permission_denied(request, exception)
