"""What follows a change to the ways into an account, wherever the change is made (account
pages, admin site, shell):

- an authenticator confirmed: the account's API tokens end (they were issued without a code) and
  the owner is told by email;
- an authenticator removed: its recovery codes end with it and the owner is told;
- a new password: the account's API tokens end.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User, credentials_changed

from .selectors import device_of
from .services import api_tokens_end, recovery_codes_end, two_step_notice_send


@receiver(pre_save, sender=TOTPDevice, dispatch_uid="accounts_device_saving")
def _remember_whether_confirmed(sender, instance: TOTPDevice, raw=False, **kwargs):
    # Asked of the database, not the instance: an instance may be older than the row.
    instance._confirmed_before = bool(
        not raw
        and instance.pk
        and instance.confirmed
        and TOTPDevice.objects.filter(pk=instance.pk, confirmed=True).exists()
    )


@receiver(post_save, sender=TOTPDevice, dispatch_uid="accounts_device_saved")
def _on_authenticator_saved(sender, instance: TOTPDevice, created: bool, raw=False, **kwargs):
    if raw or not instance.confirmed or instance._confirmed_before:
        return
    api_tokens_end(user=instance.user)
    two_step_notice_send(user=instance.user, event="enrolled")


def _whole_account_deleted(origin) -> bool:
    return isinstance(origin, User) or (isinstance(origin, QuerySet) and origin.model is User)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="accounts_device_deleted")
def _on_authenticator_deleted(sender, instance: TOTPDevice, origin=None, **kwargs):
    if not instance.confirmed or _whole_account_deleted(origin):
        return
    user = instance.user
    if device_of(user) is None:
        recovery_codes_end(user=user)
    two_step_notice_send(user=user, event="removed")


@receiver(credentials_changed, dispatch_uid="accounts_end_api_tokens_on_new_password")
def _end_api_tokens_on_new_password(sender, user: User, password_changed: bool, **kwargs):
    if password_changed:
        api_tokens_end(user=user)
