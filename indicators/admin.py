"""Admin site: stored summaries, read-only (they are computed by jobs)."""

from django.contrib import admin

from .models import CaseloadSummary, PatientSummary, TeamSummary


class ReadOnlySummaryAdmin(admin.ModelAdmin):
    """Summaries are computed by jobs; editing one by hand would only be overwritten."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PatientSummary)
class PatientSummaryAdmin(ReadOnlySummaryAdmin):
    list_display = ["patient", "period", "index", "coverage", "direction", "computed_at"]
    list_filter = ["period", "weights_source"]
    raw_id_fields = ["patient"]


@admin.register(TeamSummary)
class TeamSummaryAdmin(ReadOnlySummaryAdmin):
    list_display = ["team", "period", "patients", "stale", "computed_at"]
    list_filter = ["team", "period"]


@admin.register(CaseloadSummary)
class CaseloadSummaryAdmin(ReadOnlySummaryAdmin):
    list_display = ["clinician", "period", "patients", "stale", "computed_at"]
    list_filter = ["period"]
