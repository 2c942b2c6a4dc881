"""The accounts app: sign-in, two-step sign-in, recovery codes, API tokens, the account page."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in: two-step and API tokens"

    def ready(self) -> None:
        # Connect the receivers: the sign-in hold of two_step, receivers.py, and the stamp a
        # sign-in puts on its session (the idle timeout's refresh).
        from ssm_outcomes import session_refresh  # noqa: F401

        from . import receivers, two_step  # noqa: F401
