"""Account pages under /accounts/: your account, two-step sign-in and API tokens. (Signing in
and out and password resets are Django's own views, in patients/urls.py; the root address that
sends each role home is in ssm_outcomes/urls.py.)"""

from django.urls import path

from .views import account, api_tokens, two_step

urlpatterns = [
    path("", account.account, name="account"),
    path("two-step/", two_step.two_step, name="two_step"),
    path("two-step/code/", two_step.two_step_code, name="two_step_verify"),
    path("two-step/recovery/", two_step.two_step_recovery, name="two_step_recovery"),
    path("two-step/recovery-codes/", two_step.recovery_codes, name="two_step_recovery_codes"),
    path("two-step/enrol/<str:token>/", two_step.two_step_enrol, name="two_step_enrol"),
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("api-tokens/revoke/", api_tokens.api_token_revoke_page, name="api_token_revoke"),
]
