"""Work to run once a transaction commits, once per key however often it is asked for.

Django's ``transaction.on_commit`` runs every callback it is given, and a transaction that saves
ten ratings of one patient should queue one refresh, not ten. ``once(key, work)`` hands Django a
callback each time it is called, so a rolled-back savepoint drops its own callbacks exactly as
Django drops any other; when the transaction commits, the first callback of each key runs and the
others are skipped. Outside a transaction the work runs at once.

This is our own record of what has run (per thread and database), in place of reading Django's
private list of pending callbacks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import partial

from django.db import DEFAULT_DB_ALIAS, transaction

_local = threading.local()


def _ran(using: str) -> set[Hashable]:
    """Keys whose work has run since the last registration on this thread and database."""
    registry: dict[str, set[Hashable]] | None = getattr(_local, "ran", None)
    if registry is None:
        registry = _local.ran = {}
    return registry.setdefault(using, set())


def _run(key: Hashable, work: Callable[[], None], using: str) -> None:
    ran = _ran(using)
    if key in ran:
        return
    ran.add(key)
    work()


def once(key: Hashable, work: Callable[[], None], *, using: str | None = None) -> None:
    """Run ``work`` after the current transaction commits, once for ``key`` in that commit."""
    alias = using or DEFAULT_DB_ALIAS
    if not transaction.get_connection(alias).in_atomic_block:
        work()
        return
    # A registration means a new transaction is under way: keys run by an earlier commit's
    # callbacks no longer count. (Callbacks of one commit all run before the next registers.)
    _ran(alias).clear()
    transaction.on_commit(partial(_run, key, work, alias), using=alias)


def forget() -> None:
    """Clear the record of what has run on this thread (tests call it between cases)."""
    _local.ran = {}
