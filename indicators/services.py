"""The public entry points of indicators' computations, re-exported for callers outside the app.

The work lives in ``indicators.patient_summaries`` (each patient's quarters) and
``indicators.group_summaries`` (team and caseload summaries); this module only re-exports their
public names so that other apps, tests and commands keep one import. Code inside ``indicators``
imports from those modules directly.
"""

from .group_summaries import (
    caseload_patient_ids,
    caseload_summary_compute,
    group_summaries_mark,
    group_summaries_mark_stale,
    group_summaries_rebuild_all,
    group_summaries_refresh_stale,
    group_summary_compute,
    team_summary_compute,
)
from .patient_summaries import (
    FIGURE_FIELDS,
    patient_summaries_compute,
    patient_summaries_refresh,
    summaries_rebuild_all,
    summaries_sweep_stale,
)

__all__ = [
    "FIGURE_FIELDS",
    "caseload_patient_ids",
    "caseload_summary_compute",
    "group_summaries_mark",
    "group_summaries_mark_stale",
    "group_summaries_rebuild_all",
    "group_summaries_refresh_stale",
    "group_summary_compute",
    "patient_summaries_compute",
    "patient_summaries_refresh",
    "summaries_rebuild_all",
    "summaries_sweep_stale",
    "team_summary_compute",
]
