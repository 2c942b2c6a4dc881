"""The statistics of fair team comparison: case-mix-adjusted funnel plots, never a league table.

Plain Python with numpy, scipy and statsmodels; no Django. docs/comparison-statistics.md gives the
method in words, the formulas and the references. In short, for one figure and one quarter:

1. ``case_mix_fit`` fits one case-mix model over the patients of every team in the installation:
   ordinary least squares for a mean (the change in the patient-weighted index), a logistic GLM
   for a share (improved; a patient-initiated contact). A factor that never varies, a column the
   others determine and a column that predicts a share perfectly are left out (``Fit.dropped``);
   when no usable model remains, every patient is expected to show the overall figure
   (``Fit.adjusted`` False). The ``Fit`` keeps its coefficients and fit statistics and rebuilds
   from its dict, so a stored run reproduces every figure.
2. ``team_observed_expected`` gives each team its observed figure O beside the expected figure E
   (the mean of its patients' predictions), its number of patients n and the variance V of its
   total under the model.
3. ``adjusted_mean`` (θ₀ + (O − E)) and ``adjusted_proportion`` (p₀ · O / E) put every team on the
   installation's scale, as if it had the installation's case mix.
4. ``funnel_limits_mean`` and ``funnel_limits_proportion`` give the 95 % and 99.8 % control limits
   for a team of n patients; ``overdispersion`` checks whether teams vary more than chance allows
   and, if so, widens the limits by an additive random effect τ².
5. ``team_position`` says where a team lies in words; ``funnel_build`` does steps 2 to 5 at once,
   and leaves out teams of fewer than ``SMALL_NUMBER`` patients ("not shown").
   ``funnel_curve_limits`` gives the limits a plot draws for any n, from what a run stores.

The package holds three modules, in the order above: ``model`` (step 1), ``limits`` (steps 2
to 4) and ``funnel`` (step 5); everything is imported from the package itself.
"""

from .funnel import Funnel, FunnelPoint, funnel_build, teams_not_shown
from .limits import (
    Limits,
    Overdispersion,
    TeamFigures,
    adjusted_mean,
    adjusted_proportion,
    funnel_curve_limits,
    funnel_limits_mean,
    funnel_limits_proportion,
    limits_pair,
    overdispersion,
    team_observed_expected,
    team_position,
)
from .model import (
    ABOVE_95,
    ABOVE_998,
    BELOW_95,
    BELOW_998,
    DROPPED_COLLINEAR,
    DROPPED_CONSTANT,
    DROPPED_SEPARATION,
    FACTOR_ORDER,
    FACTOR_WORDS,
    LEVEL_95,
    LEVEL_998,
    MEAN,
    METHOD_CHANCE,
    MIN_PATIENTS,
    NO_ADJUSTMENT,
    NO_FACTOR,
    NOT_FITTED,
    NOT_RECORDED,
    NOT_SHOWN,
    PROPORTION,
    SAME_OUTCOME,
    TOO_FEW,
    WITHIN,
    Fit,
    Kind,
    PatientRow,
    case_mix_fit,
    z_for_level,
)

__all__ = [
    "ABOVE_95",
    "ABOVE_998",
    "BELOW_95",
    "BELOW_998",
    "DROPPED_COLLINEAR",
    "DROPPED_CONSTANT",
    "DROPPED_SEPARATION",
    "FACTOR_ORDER",
    "FACTOR_WORDS",
    "LEVEL_95",
    "LEVEL_998",
    "MEAN",
    "METHOD_CHANCE",
    "MIN_PATIENTS",
    "NOT_FITTED",
    "NOT_RECORDED",
    "NOT_SHOWN",
    "NO_ADJUSTMENT",
    "NO_FACTOR",
    "PROPORTION",
    "SAME_OUTCOME",
    "TOO_FEW",
    "WITHIN",
    "Fit",
    "Funnel",
    "FunnelPoint",
    "Kind",
    "Limits",
    "Overdispersion",
    "PatientRow",
    "TeamFigures",
    "adjusted_mean",
    "adjusted_proportion",
    "case_mix_fit",
    "funnel_build",
    "funnel_curve_limits",
    "funnel_limits_mean",
    "funnel_limits_proportion",
    "limits_pair",
    "overdispersion",
    "team_observed_expected",
    "team_position",
    "teams_not_shown",
    "z_for_level",
]
