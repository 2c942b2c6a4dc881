"""The demo cohort: who signs in, what each role sees, and that a seed gives the same data."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings

from assessments.models import (
    Element,
    Goal,
    GoalReview,
    PersonalTarget,
    PriorityPoint,
    PrioritySet,
    Rating,
    Reading,
)
from patients.models import (
    Agenda,
    Appointment,
    Condition,
    ContextEvent,
    Encounter,
    Membership,
    Patient,
    Team,
    User,
)

PATIENTS = 30
ANCHOR = date(2026, 11, 1)

pytestmark = pytest.mark.django_db

FAST_HASHING = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


def seed(**options) -> str:
    out = io.StringIO()
    defaults = {"patients": PATIENTS, "seed": 7, "force": True, "anchor_date": ANCHOR.isoformat()}
    # Argon2 takes a quarter of a second per password, and these tests seed several times.
    with override_settings(**FAST_HASHING):
        call_command("seed_demo", **{**defaults, **options}, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def cohort(django_db_setup, django_db_blocker):
    """One cohort for the read-only checks of this module, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def no_cohort():
    """For tests that seed for themselves: the shared cohort, if set up, is removed meanwhile."""
    Rating.objects.all().delete()
    PriorityPoint.objects.all().delete()
    Patient.objects.all().delete()
    Team.objects.all().delete()
    User.objects.all().delete()


def demo_patient() -> Patient:
    return Patient.objects.get(user__username="demo-patient")


# Every table the cohort fills; ids become positions, so two runs compare row for row.
DIGESTED = [
    User,
    Team,
    Membership,
    Patient,
    Patient.teams.through,
    Condition,
    Element,
    Encounter,
    Rating,
    PrioritySet,
    PriorityPoint,
    Goal,
    GoalReview,
    PersonalTarget,
    Reading,
    ContextEvent,
    Appointment,
    Agenda,
]
NOT_DIGESTED = {"created_at", "updated_at", "password", "date_joined", "last_login"}


def cohort_digest() -> str:
    """A digest of every generated row, leaving out ids, timestamps and salted password hashes."""
    positions: dict = {}

    def position(model, pk):
        if model not in positions:
            pks = model.objects.order_by("pk").values_list("pk", flat=True)
            positions[model] = {value: n for n, value in enumerate(pks)}
        return positions[model][pk]

    digest = hashlib.sha256()
    for model in DIGESTED:
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in NOT_DIGESTED
        ]
        for row in model.objects.order_by("pk").values_list(*(f.attname for f in fields)):
            cells = [
                position(f.related_model, v) if f.is_relation and v is not None else v
                for f, v in zip(fields, row, strict=True)
            ]
            digest.update(repr(cells).encode())
    return digest.hexdigest()


def digest_of_a_run(**options) -> str:
    """Seed inside a savepoint, digest what was written, then roll it all back."""
    with transaction.atomic():
        seed(**options)
        digest = cohort_digest()
        transaction.set_rollback(True)
    return digest


def test_the_four_demo_logins_exist_with_their_roles_and_the_demo_password(cohort):
    roles = {"demo-clinician": "clinician", "demo-patient": "patient"}
    roles |= {"demo-manager": "manager", "demo-admin": "admin"}
    for username, role in roles.items():
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password(settings.DEMO_PASSWORD)
        assert user.first_name
        assert user.last_name
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff
    assert admin.is_superuser


def test_other_generated_staff_cannot_sign_in(cohort):
    staff = User.objects.exclude(username__startswith="demo-")
    assert staff.count() >= 9
    assert not any(user.has_usable_password() for user in staff)


def test_demo_patient_is_in_a_team_where_demo_clinician_treats_and_demo_manager_manages(cohort):
    teams = demo_patient().teams.all()
    treated = Membership.objects.filter(
        team__in=teams, user__username="demo-clinician", role="clinician"
    )
    managed = Membership.objects.filter(
        team__in=teams, user__username="demo-manager", role="manager"
    )
    assert treated.exists()
    assert managed.exists()


def test_demo_manager_manages_the_two_practices_and_demo_network_leads_every_team(cohort):
    def teams(username: str, role: str) -> set[str]:
        memberships = Membership.objects.filter(user__username=username, role=role)
        return set(memberships.values_list("team__name", flat=True))

    assert teams("demo-manager", "manager") == {
        "Riverside General Practice",
        "Meadowbank Health Centre",
    }
    network = User.objects.get(username="demo-network")
    assert network.role == "network_lead"
    assert network.check_password(settings.DEMO_PASSWORD)
    assert teams("demo-network", "network_lead") == set(Team.objects.values_list("name", flat=True))
    assert not Membership.objects.filter(user=network).exclude(role="network_lead").exists()


def test_demo_clinician_works_in_the_practice_and_the_diabetes_service(cohort):
    teams = set(
        Membership.objects.filter(user__username="demo-clinician", role="clinician").values_list(
            "team__name", flat=True
        )
    )
    assert teams == {"Riverside General Practice", "Diabetes Specialist Service"}


def test_each_team_has_three_or_four_clinicians_and_one_manager(cohort):
    for team in Team.objects.all():
        roles = list(team.memberships.values_list("role", flat=True))
        assert 3 <= roles.count("clinician") <= 4
        assert roles.count("manager") == 1


def test_demo_patient_has_a_rich_history_with_demo_clinician(cohort):
    patient = demo_patient()
    assert patient.encounters.filter(clinician__username="demo-clinician").count() >= 5
    assert patient.conditions.filter(code__snomed_code="44054006").exists()  # type 2 diabetes
    assert patient.conditions.count() >= 2
    assert patient.personal_items.exists()
    assert patient.priority_sets.count() >= 2
    assert GoalReview.objects.filter(goal__patient=patient).exists()
    assert patient.readings.exists()
    assert patient.context_events.exists()


def test_demo_patient_has_an_appointment_with_demo_clinician_in_five_days_and_an_agenda(cohort):
    appointment = demo_patient().appointments.get()
    assert appointment.clinician.username == "demo-clinician"
    assert appointment.starts_at.date() == ANCHOR + timedelta(days=5)
    assert Agenda.objects.filter(appointment=appointment).exists()


def test_cohort_has_six_teams_and_the_requested_number_of_patients(cohort):
    assert Team.objects.count() == 6
    assert Patient.objects.count() == PATIENTS
    teams_per_patient = Patient.objects.annotate(n=Count("teams")).values_list("n", flat=True)
    assert set(teams_per_patient) <= {1, 2}


def test_about_a_third_of_patients_live_with_several_conditions(cohort):
    patients = Patient.objects.annotate(n=Count("conditions"))
    several = patients.filter(n__gte=2).count()
    assert 0.2 <= several / PATIENTS <= 0.5
    assert not patients.filter(Q(n=0) | Q(n__gt=3)).exists()


def test_staged_conditions_have_a_stage_within_their_scale(cohort):
    staged = Condition.objects.filter(code__stage_max__isnull=False)
    assert staged.exists()
    assert not staged.filter(
        Q(stage__isnull=True)
        | Q(stage__lt=F("code__stage_min"))
        | Q(stage__gt=F("code__stage_max"))
    ).exists()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(no_cohort):
    first = digest_of_a_run()
    assert digest_of_a_run() == first
    assert digest_of_a_run(seed=8) != first
    assert digest_of_a_run(anchor_date="2026-08-01") != first


def test_ratings_are_0_to_10_and_about_100_per_patient(cohort):
    assert not Rating.objects.filter(Q(value__lt=0) | Q(value__gt=10)).exists()
    per_patient = Rating.objects.count() / PATIENTS
    assert 60 <= per_patient <= 140
    raters = set(Rating.objects.values_list("rater", flat=True))
    assert raters == {"patient", "proxy", "clinician"}


def test_ratings_fall_within_the_eight_quarters_up_to_the_anchor(cohort):
    dates = Rating.objects.values_list("rated_on", flat=True)
    assert min(dates) >= date(2025, 1, 1)
    assert max(dates) < ANCHOR


def test_personal_item_ratings_refer_only_to_the_patients_own_items(cohort):
    on_items = Rating.objects.filter(element__patient__isnull=False)
    assert on_items.exists()
    assert not on_items.exclude(element__patient=F("patient")).exists()
    points = PriorityPoint.objects.filter(element__patient__isnull=False)
    assert not points.exclude(element__patient=F("priority_set__patient")).exists()


def test_priority_set_totals_are_the_sum_of_their_points_and_within_1_to_100(cohort):
    sets = PrioritySet.objects.annotate(points_sum=Sum("points__points"))
    assert sets.exists()
    for priority_set in sets:
        assert priority_set.total == priority_set.points_sum
        assert 1 <= priority_set.total <= 100
    without = Patient.objects.filter(priority_sets__isnull=True).count()
    assert 0 < without < PATIENTS / 2


def test_some_targets_are_marked_not_relevant_with_a_reason(cohort):
    not_relevant = PersonalTarget.objects.filter(relevant=False)
    assert not_relevant.exists()
    assert not not_relevant.filter(reason="").exists()


def test_readings_are_within_each_markers_plausible_range(cohort):
    readings = Reading.objects.select_related("marker")
    assert readings.exists()
    for reading in readings:
        assert reading.marker.plausible_low <= reading.value <= reading.marker.plausible_high
        assert reading.value.as_tuple().exponent == -2


def test_context_events_are_recorded_for_some_patients(cohort):
    with_events = Patient.objects.filter(context_events__isnull=False).distinct().count()
    assert 0 < with_events < PATIENTS


def test_encounters_mix_who_started_them_and_stay_within_5_to_60_minutes(cohort):
    encounters = Encounter.objects.all()
    assert encounters.filter(initiated_by="patient").exists()
    assert encounters.filter(initiated_by="service").exists()
    assert not encounters.filter(Q(duration_minutes__lt=5) | Q(duration_minutes__gt=60)).exists()
    assert all(encounter.strategies for encounter in encounters)


def test_seeding_refuses_to_run_with_debug_off_unless_forced(no_cohort, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off; pass --force"):
        call_command("seed_demo", patients=5)
    assert not User.objects.exists()


def test_seeding_refuses_when_demo_data_already_exists(cohort):
    with pytest.raises(CommandError, match="demo data already exists"):
        seed()
    assert Patient.objects.count() == PATIENTS


def test_seeding_if_empty_leaves_a_database_with_data_alone(cohort):
    output = seed(if_empty=True)
    assert "not seeding" in output
    assert Patient.objects.count() == PATIENTS


def test_summary_names_the_demo_logins(cohort):
    for username in ("demo-clinician", "demo-patient", "demo-manager", "demo-admin"):
        assert username in cohort
    assert "demo-patient-nl  a patient who reads the portal in Dutch" in cohort
    assert "demo-network     network lead of all six demo teams" in cohort
    assert "ratings" in cohort


def test_the_demo_has_instruments_offered_answered_and_one_due_for_demo_patient(cohort):
    from assessments.instrument_selectors import instruments_due, patients_with_positive_screens
    from assessments.models import InstrumentResponse, TeamInstrument
    from clinic.selectors import caseload_for_clinician

    assert TeamInstrument.objects.filter(team__name="Riverside General Practice").count() == 3
    margaret = demo_patient()
    due = [d.instrument.code for d in instruments_due(patient=margaret, today=ANCHOR)]
    assert due == ["ONS4"]
    assert InstrumentResponse.objects.filter(patient=margaret, instrument="PHQ2").count() == 4
    clinician = User.objects.get(username="demo-clinician")
    caseload = list(caseload_for_clinician(user=clinician).values_list("id", flat=True))
    assert patients_with_positive_screens(caseload, today=ANCHOR)
