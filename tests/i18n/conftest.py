"""The translations are compiled before these tests run, as `make install` does, so that
`pytest` alone works from a clean clone."""

import pytest
from django.conf import settings

from tests.support.catalogues import catalogues_compiled


@pytest.fixture(autouse=True, scope="session")
def _catalogues_compiled():
    catalogues_compiled(settings.LOCALE_PATHS)
