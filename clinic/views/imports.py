"""Bringing a service's patients in from a spreadsheet: choose the file, see what it would do
(every refused row with its line, column and rule), then import it, all or nothing. A large file
is imported by a background job while its page shows the progress.

Clinicians import into their own teams; administrators (signed in with their second step) into
any team. A preview is its maker's alone, and only while they may import into its team:
anyone else, or its maker once they have left the team, is told it does not exist."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.forms import ImportForm
from patients.audit import Actor
from patients.imports import (
    BACKGROUND_ROWS,
    COLUMNS,
    MAX_BYTES,
    ImportFileError,
    import_plan,
    import_progress,
    import_record,
    import_run,
    teams_importable,
    too_large,
)
from patients.models import PatientImport, User
from ssm_outcomes.languages import languages_offered
from ssm_outcomes.task_queue import enqueue


def importer_required(view):
    """Signed in as a clinician or an administrator; any other role is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_clinician or request.user.role == User.Role.ADMIN):
            raise PermissionDenied(_("Only clinicians and administrators import patients."))
        return view(request, *args, **kwargs)

    return wrapper


def _own_imports(request):
    """The caller's own imports into teams they may still import into: after leaving a team,
    its imports (a preview not yet run too) are no longer theirs to see or run."""
    return PatientImport.objects.filter(
        created_by=request.user, team__in=teams_importable(request.user)
    ).select_related("team")


def _own_import(request, import_id: int) -> PatientImport:
    record = _own_imports(request).filter(pk=import_id).first()
    if record is None:
        raise Http404("No such import")
    return record


@never_cache
@require_http_methods(["GET", "POST"])
@importer_required
def import_start(request):
    teams = teams_importable(request.user)
    posted = request.method == "POST"  # an empty POST is still a submission, with nothing chosen
    form = ImportForm(
        request.POST if posted else None, request.FILES if posted else None, teams=teams
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_BYTES:  # said before reading it
                raise ImportFileError(too_large(upload.size))
            plan = import_plan(
                data=upload.read(), team=form.cleaned_data["team"], user=request.user
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            record = import_record(
                plan=plan, user=request.user, text=plan.text, file_name=upload.name, source="csv"
            )
            return redirect("clinic:import", import_id=record.pk)
    return render(
        request,
        "clinic/import_start.html",
        {
            "form": form,
            "columns": COLUMNS,
            "languages": languages_offered(),
            "recent": _own_imports(request).exclude(state=PatientImport.State.PREVIEWED)[:5],
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_GET
@importer_required
def import_page(request, import_id: int):
    """The preview of a file, the progress of its import, or what it did."""
    record = _own_import(request, import_id)
    context = {"record": record, "background_rows": BACKGROUND_ROWS}
    if record.state == PatientImport.State.PREVIEWED:
        try:
            plan = import_plan(data=record.text.encode(), team=record.team, user=request.user)
        except ImportFileError as error:  # the teams or codes changed since: start again
            context["file_problem"] = str(error)
        else:
            context["plan"] = plan
            context["counts"] = {
                "create": plan.count("create"),
                "update": plan.count("update"),
                "unchanged": plan.count("unchanged"),
                "refused": len(plan.refused_lines),
            }
    context["done"] = import_progress(record)
    return render(request, "clinic/import.html", context)


@require_POST
@importer_required
def import_go(request, import_id: int):
    record = _own_import(request, import_id)
    if record.state != PatientImport.State.PREVIEWED:
        return redirect("clinic:import", import_id=record.pk)
    if record.rows > BACKGROUND_ROWS:
        PatientImport.objects.filter(pk=record.pk).update(state=PatientImport.State.QUEUED)
        if not enqueue("patients.tasks.import_patients", record.pk, request.user.pk):
            PatientImport.objects.filter(pk=record.pk).update(state=PatientImport.State.PREVIEWED)
            messages.error(
                request,
                _(
                    "The import could not be started just now. Nothing was imported: try again in "
                    "a few minutes."
                ),
            )
        return redirect("clinic:import", import_id=record.pk)
    try:
        record = import_run(record=record, user=request.user, actor=Actor.of(request))
    except (ValidationError, ImportFileError) as error:
        messages.error(
            request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        )
        return redirect("clinic:import", import_id=record.pk)
    messages.success(
        request,
        ngettext("Imported %(count)s patient.", "Imported %(count)s patients.", record.rows)
        % {"count": record.rows},
    )
    return redirect("clinic:import", import_id=record.pk)


@never_cache
@require_GET
@importer_required
def import_status(request, import_id: int):
    """How far a running import has got, for its page's progress bar."""
    record = _own_import(request, import_id)
    done = import_progress(record)
    return JsonResponse(
        {
            "state": record.state,
            "done": done,
            "rows": record.rows,
            "percent": 100 if not record.rows else min(100, round(100 * done / record.rows)),
        }
    )
