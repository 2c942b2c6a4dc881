"""The one-page consultation summary of a patient, as a page to print and as a PDF."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache

from clinic.consultation import consultation_summary
from patients.audit import Audit

from .workspace import record_patient, record_view


def _summary(request, patient_id: int, what: str):
    patient = record_patient(request, patient_id, Audit.of(request, "export", what))
    return {"s": consultation_summary(patient=patient), "today": timezone.localdate()}


@never_cache
@record_view
def summary_page(request, patient_id: int):
    return render(
        request,
        "clinic/consultation_summary.html",
        _summary(request, patient_id, "consultation summary"),
    )


def _nothing_fetched(url: str, *args, **kwargs):
    """The summary is self-contained: WeasyPrint fetches no address, whatever the text holds."""
    raise ValueError(f"not fetched: {url[:80]}")


@never_cache
@record_view
def summary_pdf(request, patient_id: int):
    """The same summary as an A4 PDF (WeasyPrint), for a record system or to print later."""
    context = _summary(request, patient_id, "consultation summary PDF")
    html = render_to_string("clinic/consultation_summary_pdf.html", context, request=request)
    # Imported here: WeasyPrint loads Pango when imported, and only this view needs it.
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=_nothing_fetched).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    day = context["today"].isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="consultation-summary-{patient_id}-{day}.pdf"'
    )
    return response
