"""The admin site's part in sign-in: approving a user's two-step set-up, seeing recovery code
sets and API tokens, and ending them. No secret is shown: only hashes are stored."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import ApiToken, EnrolmentApproval, RecoveryCodeDevice
from .services import (
    ENROLMENT_APPROVAL_HOURS,
    enrolment_approval_create,
    enrolment_approval_problem,
)


class EnrolmentApprovalForm(forms.ModelForm):
    approved_by = None  # set per request by the admin below

    class Meta:
        model = EnrolmentApproval
        fields = ["user"]
        help_texts = {
            "user": "The person who will set up two-step sign-in. Approve only once you know it "
            f"is really them asking. The approval works once, within {ENROLMENT_APPROVAL_HOURS} "
            "hours, when they next sign in.",
        }

    def clean_user(self):
        user = self.cleaned_data["user"]
        if problem := enrolment_approval_problem(user=user, approved_by=self.approved_by):
            raise ValidationError(problem)
        return user


@admin.register(EnrolmentApproval)
class EnrolmentApprovalAdmin(admin.ModelAdmin):
    """Approve, for a named user, setting up two-step sign-in without an e-mailed link."""

    form = EnrolmentApprovalForm
    list_display = ["user", "approved_by", "created_at", "expires_at", "state"]
    list_select_related = ["user", "approved_by"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.approved_by = request.user
        return form

    def save_model(self, request, obj, form, change):
        created = enrolment_approval_create(user=obj.user, approved_by=request.user)
        obj.pk, obj.created_at, obj.expires_at = created.pk, created.created_at, created.expires_at
        obj.approved_by = created.approved_by

    def has_change_permission(self, request, obj=None):
        return False  # an approval is given or withdrawn (deleted), never edited


@admin.register(RecoveryCodeDevice)
class RecoveryCodeDeviceAdmin(admin.ModelAdmin):
    """Whose recovery codes exist and how many are left; deleting a set ends its codes."""

    list_display = ["user", "made_at", "codes_left"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "made_at"]
    readonly_fields = ["user", "made_at"]

    @admin.display(description="codes left")
    def codes_left(self, obj):
        return obj.codes_left()

    def has_add_permission(self, request):
        return False  # codes are made by their owner, and shown only to them

    def has_change_permission(self, request, obj=None):
        return False


_TOKEN_FIELDS = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every API token (by its first characters, never its key); deleting one revokes it."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["expires_at"]
    search_fields = ["user__username", "name"]
    fields = _TOKEN_FIELDS
    readonly_fields = _TOKEN_FIELDS

    def has_add_permission(self, request):
        return False  # tokens are made by their owner, who alone sees the key

    def has_change_permission(self, request, obj=None):
        return False
