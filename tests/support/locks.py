"""A lock the test processes of one checkout share (``make test`` runs two): held around work
that only one of them should do, such as installing axe-core or compiling the catalogues. The
other waits, then finds the work done."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.services import ROOT

LOCKS = ROOT / ".cache" / "locks"


@contextmanager
def held(name: str) -> Iterator[None]:
    """Hold the lock ``name`` (a file under the git-ignored ``.cache/locks``) while the block
    runs; it is let go when the block ends or the process dies."""
    LOCKS.mkdir(parents=True, exist_ok=True)
    with open(LOCKS / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
