"""API permission: the record named in the URL must be within the caller's role.

Runs before DRF picks the handler, so any method on a record outside the caller's role answers
404, never 405 or 403, and no route can forget the check.

Once every record the URL names is within the caller's role, the request says so
(``records_within_role``): a 404 after that (no summary for the quarter yet, no target set, a page
past the last) is nothing there, not a refused access, and is not audited as one.
"""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from .selectors import TEAM_SUMMARY_READERS, patients_visible_to, teams_for_user


class RecordWithinRole(BasePermission):
    def has_permission(self, request, view) -> bool:
        kwargs = getattr(view, "kwargs", {}) or {}
        user = request.user
        if not (user and user.is_authenticated):
            return True  # authentication answers 401 first
        visible = patients_visible_to(user=user)
        if "patient_id" in kwargs:
            patient = visible.filter(pk=kwargs["patient_id"]).first()
            if patient is None:
                raise NotFound()
            request.patient_within_role = patient  # the view need not look it up again
        if "goal_id" in kwargs and not visible.filter(goals__id=kwargs["goal_id"]).exists():
            raise NotFound()
        if (
            "team_id" in kwargs
            and not teams_for_user(user=user, roles=TEAM_SUMMARY_READERS)
            .filter(pk=kwargs["team_id"])
            .exists()
        ):
            raise NotFound()
        request.records_within_role = True
        return True
