"""The one-page consultation summary: the page to print and its PDF."""

import ctypes.util
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments.models import GoalReview, PersonalTarget
from indicators.scoring import period_bounds, period_of, previous_period
from patients.models import Agenda, AuditEvent, ContextEvent
from tests.factories import (
    GoalFactory,
    RatingFactory,
    ReadingFactory,
    framework_element,
    marker,
)
from tests.support.services import need


@pytest.fixture
def full_record(patient, clinician):
    today = timezone.localdate()
    last_quarter = period_bounds(previous_period(period_of(today)))[0]
    h1 = framework_element("H1")
    RatingFactory(patient=patient, element=h1, value=4, rated_on=last_quarter)
    RatingFactory(patient=patient, element=h1, value=7, rated_on=today)
    RatingFactory(patient=patient, element=framework_element("M1"), value=6, rated_on=today)
    RatingFactory(patient=patient, element=h1, value=2, rated_on=today, rater="clinician")
    goal = GoalFactory(patient=patient, description="Walk to the shop twice a week")
    GoalReview.objects.create(goal=goal, attainment=1, reviewed_on=today)
    hba1c = marker("59261-8")
    PersonalTarget.objects.create(patient=patient, marker=hba1c, low=48, high=58)
    ReadingFactory(patient=patient, marker=hba1c, value=62, taken_on=today)
    Agenda.objects.create(patient=patient, questions="Can I stop one of my tablets?")
    ContextEvent.objects.create(
        patient=patient, kind="bereavement", occurred_on=today - dt.timedelta(days=20)
    )
    return patient


@pytest.mark.django_db
def test_the_page_has_everything_for_the_conversation(client, clinician, full_record):
    client.force_login(clinician)
    response = client.get(reverse("clinic:consultation-summary", args=[full_record.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Consultation summary: Pat P." in page
    assert "Can I stop one of my tablets?" in page
    # H1: 7 now against 4 last quarter (the clinician's own 2 is not the patient's rating).
    h1 = framework_element("H1").wording
    row = page.split(h1, 1)[1].split("</tr>")[0]
    assert '<td class="num">7</td><td class="num">4</td><td class="num">+3</td>' in row
    assert "“Walk to the shop twice a week”: a bit more than expected (+1)" in page
    assert "No: outside the agreed range" in page
    assert "Download as PDF" in page
    assert AuditEvent.objects.filter(actor=clinician, what="consultation summary").count() == 1


@pytest.mark.django_db
def test_the_pdf(client, clinician, full_record):
    need(bool(ctypes.util.find_library("pangoft2-1.0")), "Pango, for WeasyPrint's PDF")
    client.force_login(clinician)
    response = client.get(reverse("clinic:consultation-summary-pdf", args=[full_record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="consultation-summary-{full_record.pk}-'
    )
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    page = pdf.pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210  # A4, in mm
    # Text extraction spaces words as the PDF draws them ("P ."): compared without that.
    text = re.sub(r"\s+([.,?:])", r"\1", re.sub(r"\s+", " ", page.extract_text()))
    assert "Consultation summary: Pat P." in text
    assert "Can I stop one of my tablets?" in text
    assert "Walk to the shop twice a week" in text


@pytest.mark.django_db
def test_another_teams_clinician_and_other_roles_get_nothing(
    client, other_clinician, manager, full_record
):
    for user in (other_clinician, manager):
        client.force_login(user)
        for name in ("clinic:consultation-summary", "clinic:consultation-summary-pdf"):
            assert client.get(reverse(name, args=[full_record.pk])).status_code == 404
