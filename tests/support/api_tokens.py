"""API tokens in tests: a working key for a user, made the way the token endpoint makes one."""

from accounts.services import api_token_create


def api_key_for(user, *, name: str = "") -> str:
    """A new key for `user` (only its hash is stored, so a key cannot be looked up later)."""
    _, key = api_token_create(user=user, name=name)
    return key
