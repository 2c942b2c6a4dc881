"""Building a cohort for a test without refreshing summaries after every save.

In a test with a live server (``transaction=True``) every save commits, and with tasks in-process
each commit runs its patient's refresh and then the team and caseload refresh: a fixture rating
thirty patients a few times spends most of its time refreshing figures it recomputes in full at
the end. ``refreshes_held`` queues nothing while the block runs; the fixture then calls
``summaries_rebuild_all``, which stores what those refreshes would have stored and records every
patient's changes as computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock


@contextmanager
def refreshes_held() -> Iterator[None]:
    """Queue no summary refresh while the block runs (the saves still mark summaries stale)."""
    with mock.patch("indicators.freshness.enqueue", return_value=True):
        yield
