"""`Authorization: Token <key>` for the REST API, against the hashed keys of `ApiToken`."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .selectors import api_token_for_key
from .services import api_token_record_use


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's token header, checked against stored hashes: an unknown key, an expired token or
    a switched-off account answers 401. Last use is noted at most once a minute."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_for_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.expired:
            raise exceptions.AuthenticationFailed(
                "This token has expired. Make a new one (POST /api/v1/auth/token/, or API "
                "tokens on your account page)."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        api_token_record_use(token=token)
        return token.user, token
