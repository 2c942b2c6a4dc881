"""factory_boy factories for the core records."""

import datetime as dt

import factory
from django.utils import timezone

from assessments.models import Domain, Element, Goal, Marker, PersonalTarget, Rating, Reading
from patients.models import (
    Appointment,
    ConditionCode,
    ContextEvent,
    Encounter,
    Membership,
    Patient,
    Team,
    User,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.CLINICIAN
    password = factory.django.Password("correct-horse-battery-staple")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.CLINICIAN


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    display_name = factory.Sequence(lambda n: f"Patient {n}")
    birth_year = 1955

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class EncounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Encounter

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    mode = Encounter.Mode.FACE_TO_FACE
    initiated_by = Encounter.Initiator.SERVICE
    duration_minutes = 15


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    clinician = factory.SubFactory(UserFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class ContextEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContextEvent

    patient = factory.SubFactory(PatientFactory)
    kind = ContextEvent.Kind.ADMISSION
    occurred_on = factory.LazyFunction(timezone.localdate)


def framework_element(code: str) -> Element:
    return Element.objects.get(code=code, patient__isnull=True)


class PersonalItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Element

    patient = factory.SubFactory(PatientFactory)
    domain = factory.LazyFunction(lambda: Domain.objects.get(code="H"))
    label = factory.Sequence(lambda n: f"Personal item {n}")
    code = ""


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    patient = factory.SubFactory(PatientFactory)
    element = factory.LazyFunction(lambda: framework_element("H1"))
    value = 5
    rated_on = factory.LazyFunction(timezone.localdate)
    rater = "patient"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    patient = factory.SubFactory(PatientFactory)
    description = "Walk to the shops and back without stopping"
    domain = factory.LazyFunction(lambda: Domain.objects.get(code="H"))
    importance = 2
    difficulty = 2
    baseline_on = factory.LazyFunction(timezone.localdate)


def marker(loinc: str) -> Marker:
    return Marker.objects.get(loinc=loinc)


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reading

    patient = factory.SubFactory(PatientFactory)
    marker = factory.LazyFunction(lambda: marker("59261-8"))
    value = 52
    taken_on = factory.LazyFunction(timezone.localdate)


class PersonalTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalTarget

    patient = factory.SubFactory(PatientFactory)
    marker = factory.LazyFunction(lambda: marker("59261-8"))
    low = 40
    high = 58


def condition_code(snomed: str) -> ConditionCode:
    return ConditionCode.objects.get(snomed_code=snomed)
