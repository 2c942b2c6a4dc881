"""The seed of a test's made-up factory values: its id, so the same on every run whichever tests
ran before it in its process (``tests/conftest.py`` sets it before each test)."""

import zlib


def seed_of(nodeid: str) -> int:
    """The seed of the test ``nodeid`` (without the ``@group`` pytest-xdist may append)."""
    return zlib.crc32(nodeid.split("@")[0].encode())
