"""People, teams and the records of care: who is who, and what happened when."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .validation import (
    AGENDA_MAX,
    DISPLAY_NAME_MAX,
    EVENT_NOTE_MAX,
    LOCAL_ID_MAX,
    NOTE_MAX,
    at_most,
    between,
    birth_year_valid,
    length_message,
)


def language_choices() -> list[tuple[str, str]]:
    """The languages the site offers (settings.LANGUAGES): a callable, so adding a language
    needs no migration."""
    return list(settings.LANGUAGES)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


#: Sent inside the saving transaction when a user's password or email address has changed, with
#: ``user``, ``password_changed`` (bool) and ``old_email``. Receivers end what the old
#: credentials opened (API tokens) and tell the previous address (``patients.notifications``).
credentials_changed = Signal()


# django_otp is untyped, so the plugin cannot see the user foreign key RecoveryCodeDevice inherits
# from its Device and asks for a reverse manager nothing here uses.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person who signs in. The role decides which screens and records they can reach."""

    _rehashing = False  # True while check_password upgrades the hash of an unchanged password

    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        PATIENT = "patient", _("Patient")
        MANAGER = "manager", _("Service manager")
        NETWORK_LEAD = "network_lead", _("Network lead")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLINICIAN)
    reminders_opt_out = models.BooleanField(
        default=False, help_text=_("Patients only: do not send appointment reminders.")
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=language_choices,
        help_text=_(
            "The language of their pages and emails. Empty: their browser's language on "
            "the pages, the site's default in emails."
        ),
    )

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["clinician", "patient", "manager", "network_lead", "admin"]),
                name="user_role_valid",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_clinician(self) -> bool:
        return self.role == self.Role.CLINICIAN

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @property
    def is_network_lead(self) -> bool:
        """A network lead reads the aggregates of a set of teams, like a manager; no record."""
        return self.role == self.Role.NETWORK_LEAD

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        watched = self.pk is not None and (fields is None or {"password", "email"} & set(fields))
        before = (
            User.objects.filter(pk=self.pk).values_list("password", "email").first()
            if watched
            else None
        )
        super().save(*args, **kwargs)
        if before is None:
            return
        password_changed = before[0] != self.password and not self._rehashing
        if password_changed or before[1] != self.email:
            credentials_changed.send(
                sender=User, user=self, password_changed=password_changed, old_email=before[1]
            )

    def check_password(self, raw_password) -> bool:
        """Django's check, which may re-hash the same password with today's hasher: that is
        not a change of password, so it ends no token and sends no notice."""
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False


class Team(TimeStamped):
    """A service or practice. Clinicians and managers are members; patients belong to teams."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams", blank=True
    )
    help_now = models.TextField(
        blank=True,
        max_length=1000,
        help_text=_(
            "Where this service's patients can get help now, shown to a patient whose answers "
            "suggest low mood or anxiety. Empty: the product's own wording (NHS 111, 999, GP)."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        MANAGER = "manager", _("Service manager")
        NETWORK_LEAD = "network_lead", _("Network lead")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
            models.CheckConstraint(
                condition=Q(role__in=["clinician", "manager", "network_lead"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.team} ({self.get_role_display()})"


class Patient(TimeStamped):
    """A person receiving support, known by a pseudonymous display name."""

    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX,
        error_messages={"max_length": length_message("display_name")},
    )
    birth_year = models.PositiveSmallIntegerField(validators=[birth_year_valid])
    teams = models.ManyToManyField(Team, related_name="patients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        help_text=_("The portal login of this patient, once they have accepted an invitation."),
    )
    email = models.EmailField(
        blank=True,
        help_text="Where the portal invitation goes (imported or typed by staff). Once the "
        "patient has a login, the login's own address is used instead.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        choices=language_choices,
        help_text="The language to invite them in, until they choose their own.",
    )

    class Meta:
        ordering = ["display_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="patient_birth_year_range",
            )
        ]
        indexes = [models.Index(fields=["display_name"], name="patient_display_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("clinic:patient", args=[self.pk])


class ConditionCode(models.Model):
    """A long-term condition a service records, coded in SNOMED CT."""

    snomed_code = models.CharField(max_length=18, unique=True)
    display = models.CharField(max_length=200)
    stage_system = models.CharField(
        max_length=80, blank=True, help_text=_("Name of the staging scale, e.g. Hoehn and Yahr.")
    )
    stage_min = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    stage_max = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["display"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage_min__isnull=True)
                | Q(stage_max__isnull=True)
                | Q(stage_min__lte=models.F("stage_max")),
                name="conditioncode_stage_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display} ({self.snomed_code})"

    def stage_problem(self, stage) -> str:
        """What is wrong with recording ``stage`` for this condition, in words; "" if nothing."""
        if stage is None:
            return ""
        if self.stage_min is None or self.stage_max is None:
            return f"stage does not apply to {self.display}"
        if not self.stage_min <= stage <= self.stage_max:
            return (
                f"stage must be between {self.stage_min} and {self.stage_max} ({self.stage_system})"
            )
        return ""


class Condition(TimeStamped):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    code = models.ForeignKey(ConditionCode, on_delete=models.PROTECT, related_name="+")
    onset = models.DateField(null=True, blank=True)
    stage = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["patient", "code__display"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code"], name="condition_unique_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(stage__isnull=True) | Q(stage__gte=0),
                name="condition_stage_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient}: {self.code.display}"


class Strategy(models.TextChoices):
    INFORMATION = "information", _("Information and education")
    SKILLS = "skills", _("Skills practice")
    GOAL_SETTING = "goal_setting", _("Goal setting")
    PROBLEM_SOLVING = "problem_solving", _("Problem solving")
    SIGNPOSTING = "signposting", _("Signposting to community resources")
    FAMILY = "family", _("Involving family or carers")
    PEER_SUPPORT = "peer_support", _("Peer support")


class Encounter(TimeStamped):
    """A contact between a patient and a clinician."""

    class Mode(models.TextChoices):
        FACE_TO_FACE = "face_to_face", pgettext_lazy("encounter mode", "Face to face")
        PHONE = "phone", pgettext_lazy("encounter mode", "Phone")
        VIDEO = "video", pgettext_lazy("encounter mode", "Video")
        GROUP = "group", pgettext_lazy("encounter mode", "Group")
        MESSAGE = "message", pgettext_lazy("encounter mode", "Message")

    class Initiator(models.TextChoices):
        PATIENT = "patient", _("Patient")
        SERVICE = "service", pgettext_lazy("who started an encounter", "Service")

    # Both indexed by the composite indexes below, which begin with them.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="encounters", db_index=False
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="encounters",
        db_index=False,
    )
    occurred_at = models.DateTimeField()
    mode = models.CharField(max_length=16, choices=Mode.choices)
    initiated_by = models.CharField(max_length=8, choices=Initiator.choices)
    duration_minutes = models.PositiveSmallIntegerField(validators=between(1, 480, "duration"))
    strategies = models.JSONField(default=list, blank=True)
    note = models.TextField(
        blank=True,
        max_length=NOTE_MAX,
        validators=at_most(NOTE_MAX, "note"),
        help_text=_("Staff only: never shown to the patient."),
    )
    agenda_discussed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=480),
                name="encounter_duration_1_to_480",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["face_to_face", "phone", "video", "group", "message"]),
                name="encounter_mode_valid",
            ),
            models.CheckConstraint(
                condition=Q(initiated_by__in=["patient", "service"]),
                name="encounter_initiator_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "occurred_at"], name="encounter_patient_time_idx"),
            models.Index(fields=["clinician", "occurred_at"], name="encounter_clinician_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} — {self.occurred_at:%Y-%m-%d %H:%M} ({self.get_mode_display()})"

    @property
    def strategy_labels(self) -> list[str]:
        labels = dict(Strategy.choices)
        return [labels.get(code, code) for code in self.strategies]


class Appointment(TimeStamped):
    """A booked contact; a few days before it the patient is invited to write their agenda."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    # Set by patients.selectors.next_appointment for display; not a column.
    written: "Agenda | None"

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician", "starts_at"], name="appointment_unique_slot"
            )
        ]
        indexes = [
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_time_idx"),
            models.Index(fields=["starts_at", "reminder_sent_at"], name="appointment_reminder_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} with {self.clinician} at {self.starts_at:%Y-%m-%d %H:%M}"


class Agenda(TimeStamped):
    """What the patient wants to talk about at an appointment, in their own words."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="agendas")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda"
    )
    going_well = models.TextField(
        blank=True, max_length=AGENDA_MAX, validators=at_most(AGENDA_MAX, "going_well")
    )
    hard = models.TextField(
        blank=True, max_length=AGENDA_MAX, validators=at_most(AGENDA_MAX, "hard")
    )
    change = models.TextField(
        blank=True, max_length=AGENDA_MAX, validators=at_most(AGENDA_MAX, "change")
    )
    questions = models.TextField(
        blank=True, max_length=AGENDA_MAX, validators=at_most(AGENDA_MAX, "questions")
    )
    discussed_in = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="agendas"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(going_well="") | ~Q(hard="") | ~Q(change="") | ~Q(questions=""),
                name="agenda_not_empty",
            )
        ]
        indexes = [models.Index(fields=["patient", "created_at"], name="agenda_patient_time_idx")]

    def __str__(self) -> str:
        return f"Agenda of {self.patient} ({self.created_at:%Y-%m-%d})"


class Invitation(models.Model):
    """A one-time link that lets a patient choose a password and open their portal.

    Only a hash of the link's token is stored: whoever reads the database cannot use the links.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the token."))
    email = models.EmailField(blank=True, help_text=_("Where the link was sent, if anywhere."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__lte=models.F("expires_at")),
                name="invitation_used_before_expiry",
            )
        ]
        indexes = [models.Index(fields=["patient", "created_at"], name="invitation_patient_idx")]

    def __str__(self) -> str:
        return f"Invitation of {self.patient} ({self.state})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(str(token).encode()).hexdigest()

    @property
    def state(self) -> str:
        """open, used or expired."""
        if self.used_at is not None:
            return "used"
        return "open" if self.expires_at > timezone.now() else "expired"


class ContextEvent(TimeStamped):
    """Something in a person's life or condition that moderates what a change can be put down to."""

    class Kind(models.TextChoices):
        NEW_DIAGNOSIS = "new_diagnosis", _("New diagnosis")
        PROGRESSION = "progression", _("Progression or stage change")
        ADMISSION = "admission", _("Hospital admission")
        BEREAVEMENT = "bereavement", _("Bereavement")
        NEW_JOB = "new_job", _("New job")
        CARER_CHANGE = "carer_change", _("Change of carer")
        OTHER = "other", pgettext_lazy("life event", "Other")

    # Indexed by context_patient_date_idx, which begins with it.
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="context_events", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_on = models.DateField()
    note = models.TextField(
        blank=True, max_length=EVENT_NOTE_MAX, validators=at_most(EVENT_NOTE_MAX, "note")
    )
    visible_to_patient = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "new_diagnosis",
                        "progression",
                        "admission",
                        "bereavement",
                        "new_job",
                        "carer_change",
                        "other",
                    ]
                ),
                name="contextevent_kind_valid",
            )
        ]
        indexes = [models.Index(fields=["patient", "occurred_on"], name="context_patient_date_idx")]

    def __str__(self) -> str:
        return f"{self.patient}: {self.get_kind_display()} on {self.occurred_on}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events cannot be changed")

    def delete(self):
        raise PermissionError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """One access to patient data, or one refused access. Written once, never changed."""

    class Action(models.TextChoices):
        VIEW = "view", pgettext_lazy("audit action", "Viewed")
        CREATE = "create", pgettext_lazy("audit action", "Created")
        UPDATE = "update", pgettext_lazy("audit action", "Changed")
        EXPORT = "export", pgettext_lazy("audit action", "Exported")
        DENIED = "denied", pgettext_lazy("audit action", "Refused access")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_role = models.CharField(max_length=16, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    what = models.CharField(max_length=200)
    path = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"], name="audit_patient_time_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_role} {self.action} {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")


class LocalId(models.Model):
    """A team's own identifier for a patient (the number in its record system), unique within
    the team: what an import matches a row on, so importing the same file twice changes nothing."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="local_ids")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="local_ids")
    value = models.CharField(max_length=LOCAL_ID_MAX)

    class Meta:
        ordering = ["team", "value"]
        constraints = [
            models.UniqueConstraint(fields=["team", "value"], name="local_id_unique_per_team"),
            models.UniqueConstraint(fields=["team", "patient"], name="local_id_one_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.value}"


class PatientImport(models.Model):
    """One upload of a patient list: who brought it in, when, into which team, and how many rows
    were created, updated or left as they were. The audit record of an import; the file's text
    is kept only until it has been imported."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, not imported yet")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=8, default="csv")  # csv, fhir, command
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    text = models.TextField(blank=True, help_text="The file, until it has been imported.")
    state = models.CharField(max_length=9, choices=State.choices, default=State.PREVIEWED)
    rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import into {self.team} on {self.created_at:%Y-%m-%d %H:%M} ({self.state})"

    @property
    def percent_done(self) -> int:
        return 100 if not self.rows else min(100, round(100 * self.done_rows / self.rows))
