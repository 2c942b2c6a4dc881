"""``manage.py two_step_code <username>``: the current two-step code of a user, for demos only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User


class Command(BaseCommand):
    help = (
        "Print the code an authenticator app would show now for a user's two-step sign-in, "
        "so the demo administrator can sign in without a phone. Only with DEBUG on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("two_step_code is for demos: it runs only with DEBUG=1.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user called {options['username']!r}")
        # The confirmed authenticator if there is one, else the one being set up.
        device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
        if device is None:
            raise CommandError(
                f"{user.username} has no authenticator yet: sign in and open the set-up link "
                "(or an administrator's approval), so the set-up page makes one; then run this "
                "again."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
