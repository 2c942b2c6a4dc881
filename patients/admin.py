"""The admin site for people, teams and care records: team changes flag the team summaries, and
staff never see a link that opens an existing login (invite, sign-in help, close a login)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from modeltranslation.admin import TranslationAdmin

from patients.emails import site_link
from patients.invitations import (
    invitation_create,
    portal_login_close,
    sign_in_help_send,
    staff_invitation_send,
)
from patients.signals import records_changed, teams_changed

from .audit import Audit
from .models import (
    Agenda,
    Appointment,
    AuditEvent,
    Condition,
    ConditionCode,
    ContextEvent,
    Encounter,
    Invitation,
    LocalId,
    Membership,
    Patient,
    PatientImport,
    Team,
    User,
)

admin.site.site_header = "SSM Outcomes administration"
admin.site.site_title = "SSM Outcomes"
admin.site.index_title = "Framework, teams and users"


class RecordAdmin(admin.ModelAdmin):
    """A care record of one patient (``patient``), changed or deleted here as a service changes
    it: the summaries of the patient it belongs to, and belonged to if it was moved, are flagged
    in the admin's transaction and recomputed after it (``records_changed``), so a stored
    summary never goes on showing what the record no longer says (a life event no longer
    shared with the patient, a rating deleted)."""

    def save_model(self, request, obj, form, change):
        before = (
            type(obj).objects.filter(pk=obj.pk).values_list("patient_id", flat=True).first()
            if change
            else None
        )
        super().save_model(request, obj, form, change)
        _records_changed({before, obj.patient_id})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines: reviews, points
        _records_changed({form.instance.patient_id})

    def delete_model(self, request, obj):
        patient_id = obj.patient_id
        super().delete_model(request, obj)
        _records_changed({patient_id})

    def delete_queryset(self, request, queryset):
        patient_ids = set(queryset.values_list("patient_id", flat=True))
        super().delete_queryset(request, queryset)
        _records_changed(patient_ids)


def _records_changed(patient_ids) -> None:
    for patient_id in sorted(pk for pk in patient_ids if pk is not None):
        records_changed.send(sender=None, patient_id=patient_id)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),  # always set; the stubs allow None
        ("Role in SSM Outcomes", {"fields": ("role", "reminders_opt_out")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Role in SSM Outcomes", {"fields": ("role",)}),
    )
    inlines = [MembershipInline]
    actions = ["email_sign_in_invitation"]

    @admin.action(
        description="Email a sign-in invitation (username and a link to choose a password)"
    )
    def email_sign_in_invitation(self, request, queryset):
        """Staff only: each gets their username and a link to choose a password, in their
        language. Patients are invited from their record, never from here."""
        sent = [
            user for user in queryset if staff_invitation_send(user=user, invited_by=request.user)
        ]
        left = [user.username for user in queryset if user not in sent]
        if sent:
            self.message_user(
                request, f"Sign-in invitation emailed to {len(sent)} account{pluralize(len(sent))}."
            )
        if left:
            self.message_user(
                request,
                "Not emailed (a patient, no email address, or inactive): " + ", ".join(left),
                level=messages.WARNING,
            )

    def get_readonly_fields(self, request, obj=None):
        """A patient's email address is theirs alone: they change it in the portal. Their
        login's role stays too: made a staff role, its address could be changed here."""
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "email", "role"] if obj is not None and obj.is_patient else fields

    def user_change_password(self, request, id, form_url=""):
        """Staff never set a patient's password: sign-in help goes to the patient instead."""
        user = self.get_object(request, id)
        if user is not None and user.is_patient:
            raise PermissionDenied("A patient's password is changed only by the patient.")
        return super().user_change_password(request, id, form_url)


@admin.register(Team)
class TeamAdmin(TranslationAdmin):
    """A team, its "help now" text in each language; assessments/admin.py adds the
    questionnaires it offers."""

    list_display = ["name", "created_at"]
    search_fields = ["name"]
    fields = ["name", "description", "help_now"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["team", "role"]
    autocomplete_fields = ["user", "team"]


class ConditionInline(admin.TabularInline):
    model = Condition
    extra = 0


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["display_name", "birth_year", "created_at"]
    list_filter = ["teams"]
    search_fields = ["display_name"]
    filter_horizontal = ["teams"]
    # The login is the patient's own, made from an invitation: never put on another here.
    readonly_fields = ["user"]
    inlines = [ConditionInline]
    actions = ["invite_to_portal", "close_portal_login"]

    def save_related(self, request, form, formsets, change):
        """Teams changed here flag the team summaries on both sides, as `patient_update` does."""
        patient = form.instance
        before = set(patient.teams.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        if set(patient.teams.values_list("pk", flat=True)) != before:
            teams_changed.send(sender=None, patient_id=patient.pk, left_team_ids=before)

    @admin.action(description="Invite to the patient portal (one-time link)")
    def invite_to_portal(self, request, queryset):
        """Make a link for each patient chosen who has no login and show the links once, on a
        page of their own. A patient who has a login gets sign-in help at their own address
        instead: no link that opens an existing login is ever shown to staff."""
        invited, helped = [], []
        for patient in queryset.select_related("user"):
            if patient.user_id is None:
                invitation, token = invitation_create(
                    patient=patient,
                    created_by=request.user,
                    audit=Audit.of(request, "create", "portal invitation"),
                )
                invited.append((patient, invitation, site_link("portal:welcome", token=token)))
                continue
            sent_to = sign_in_help_send(
                patient=patient,
                requested_by=request.user,
                audit=Audit.of(request, "create", "sign-in help"),
            )
            helped.append((patient, sent_to))
        return TemplateResponse(
            request,
            "admin/patients/patient/invitations.html",
            {
                **self.admin_site.each_context(request),
                "title": "Invitations",
                "invited": invited,
                "helped": helped,
            },
        )

    @admin.action(description="Close the portal login (they can then be invited again)")
    def close_portal_login(self, request, queryset):
        """For a patient who can no longer sign in and has no email address to reset their
        password: switch the login off and unlink it; the patient can then make a new one."""
        closed = 0
        for patient in queryset.select_related("user"):
            audit = Audit.of(request, "update", "portal login")
            if portal_login_close(patient=patient, closed_by=request.user, audit=audit) is not None:
                closed += 1
        self.message_user(
            request,
            f"Closed {closed} portal login{pluralize(closed)}. "
            "Those patients can be invited again.",
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations as a record of who was invited when; the links themselves are never stored."""

    list_display = ["patient", "email", "created_by", "created_at", "expires_at", "used_at"]
    raw_id_fields = ["patient", "created_by"]
    readonly_fields = ["token_hash", "created_at"]

    def has_add_permission(self, request):
        return False  # made with the patient list's action, which shows the link once


@admin.register(ConditionCode)
class ConditionCodeAdmin(TranslationAdmin):
    list_display = ["display", "snomed_code", "stage_system", "stage_min", "stage_max"]
    search_fields = ["display", "snomed_code"]


@admin.register(Condition)
class ConditionAdmin(RecordAdmin):
    list_display = ["patient", "code", "onset", "stage"]
    list_filter = ["code"]
    raw_id_fields = ["patient"]


@admin.register(Encounter)
class EncounterAdmin(RecordAdmin):
    list_display = ["patient", "clinician", "occurred_at", "mode", "initiated_by"]
    list_filter = ["mode", "initiated_by"]
    date_hierarchy = "occurred_at"
    raw_id_fields = ["patient", "clinician"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "clinician", "starts_at", "reminder_sent_at"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["patient", "clinician"]


@admin.register(Agenda)
class AgendaAdmin(admin.ModelAdmin):
    list_display = ["patient", "appointment", "created_at"]
    raw_id_fields = ["patient", "appointment", "discussed_in"]


@admin.register(ContextEvent)
class ContextEventAdmin(RecordAdmin):
    list_display = ["patient", "kind", "occurred_on", "visible_to_patient"]
    list_filter = ["kind"]
    raw_id_fields = ["patient", "recorded_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is evidence and is never edited."""

    list_display = ["created_at", "actor", "actor_role", "action", "what", "patient"]
    list_filter = ["action", "actor_role"]
    search_fields = ["what", "request_id", "actor__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PatientImport)
class PatientImportAdmin(admin.ModelAdmin):
    """Who brought which patient list in, when, into which team, and how many rows it created,
    updated or left unchanged: the audit of imports. Read only; the file is not kept."""

    list_display = ["created_at", "team", "created_by", "source", "file_name", "state", "rows",
                    "created", "updated", "unchanged"]  # fmt: skip
    list_filter = ["state", "source", "team"]
    exclude = ["text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LocalId)
class LocalIdAdmin(admin.ModelAdmin):
    """Each team's own identifier for its patients (what imports match on)."""

    list_display = ["team", "value", "patient"]
    list_filter = ["team"]
    search_fields = ["value"]
    autocomplete_fields = ["patient"]
