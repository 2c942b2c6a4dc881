"""Account pages under /accounts/: signing in and out, password resets (Django's own views),
your account, two-step sign-in and API tokens. The root address that sends each role home is in
accounts/landing_urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import path

from ssm_outcomes.languages import languages_offered

from .forms import NewPasswordForm, SignInForm
from .views import account, api_tokens, password_reset, two_step

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
            # The language switch (templates read the callable when they render).
            extra_context={"languages": languages_offered},
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=NewPasswordForm,
            post_reset_login=True,
            post_reset_login_backend="django.contrib.auth.backends.ModelBackend",
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", account.account, name="account"),
    path("two-step/", two_step.two_step, name="two_step"),
    path("two-step/code/", two_step.two_step_code, name="two_step_verify"),
    path("two-step/recovery/", two_step.two_step_recovery, name="two_step_recovery"),
    path("two-step/recovery-codes/", two_step.recovery_codes, name="two_step_recovery_codes"),
    path("two-step/enrol/<str:token>/", two_step.two_step_enrol, name="two_step_enrol"),
    path("api-tokens/", api_tokens.api_tokens, name="api_tokens"),
    path("api-tokens/revoke/", api_tokens.api_token_revoke_page, name="api_token_revoke"),
]
