"""Django's password reset, its link built from SITE_URL like every other e-mail we send."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from ..forms import LanguagePasswordResetForm


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, its link built from SITE_URL like every other email we send,
    its email in the account's language."""

    form_class = LanguagePasswordResetForm

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)
