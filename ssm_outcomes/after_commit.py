"""Work to run once a transaction commits, once per key however often it is asked for.

Django's ``transaction.on_commit`` runs every callback it is given, and a transaction that saves
ten ratings of one patient should queue one refresh, not ten. ``once(key, work)`` hands Django a
callback each time it is called, so a rolled-back savepoint drops its own callbacks exactly as
Django drops any other; when the transaction commits, the first callback of each key runs and the
others are skipped. Outside a transaction the work runs at once.

``once_in_transaction(key, work)`` is its counterpart for work done inside the transaction, such
as marking a patient's summaries stale: the work runs the first time the key is asked for in a
transaction, and again only if that was rolled back (with a savepoint or the whole transaction).

This is our own record of what has run (per thread and database), in place of reading Django's
private list of pending callbacks.
"""

from __future__ import annotations

import threading
import weakref
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
    _local.done = {}


# --- Work done once per transaction ------------------------------------------------------------


class _Done:
    """A key whose work is done in the current transaction. It is handed to Django as work to
    run at commit, so Django keeps it exactly as long as the work's effect lasts: a rolled-back
    savepoint it was done in drops it, as does a rolled-back transaction, and on commit it runs
    and clears the record. Only a weak reference is kept here, so once Django lets go of it the
    key counts as not done."""

    __slots__ = ("__weakref__", "using")

    def __init__(self, using: str) -> None:
        self.using = using

    def __call__(self) -> None:
        _done(self.using).clear()  # the transaction committed: nothing of it counts any more


_Known = dict[Hashable, tuple["weakref.ref[_Done]", tuple[object, object]]]


def _done(using: str) -> _Known:
    """Keys done in the current transaction on this thread and database, each with a weak
    reference to its ``_Done`` and the transaction it was done in (``_transaction``)."""
    registry: dict[str, _Known] | None = getattr(_local, "done", None)
    if registry is None:
        registry = _local.done = {}
    return registry.setdefault(using, {})


def _transaction(using: str) -> tuple[object, object] | None:
    """The transaction that work done now belongs to: the outermost atomic block, and its
    savepoint when it has one; None outside a transaction.

    A test case runs each test inside blocks of its own, which stand for no transaction of the
    code under test: as Django does for durable blocks, they are passed over, so the first block
    the code opened counts as the transaction, as it would in production. (Code run directly in
    a test, under no block of its own, is outside a transaction, as it would be there.) The
    blocks and savepoints are those the connection keeps open (``atomic_blocks``,
    ``savepoint_ids``); the block itself is kept, so a later block is never taken for it."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return None
    blocks, savepoints = connection.atomic_blocks, connection.savepoint_ids
    began = len(blocks) - len(savepoints)  # 1 when the outermost block began the transaction
    for depth, block in enumerate(blocks):
        if not getattr(block, "_from_testcase", False):
            at = depth - began
            return block, (savepoints[at] if at >= 0 else None)
    return None


def once_in_transaction(
    key: Hashable, work: Callable[[], None], *, using: str | None = None
) -> None:
    """Run ``work`` now, unless it ran already for ``key`` in the current transaction (and was
    not rolled back since). Outside a transaction it runs every time."""
    alias = using or DEFAULT_DB_ALIAS
    current = _transaction(alias)
    if current is None:
        work()
        return
    done = _done(alias)
    known = done.get(key)
    if known is not None:
        mark, where = known
        if mark() is not None and where[0] is current[0] and where[1] == current[1]:
            return
    work()
    mark_now = _Done(alias)
    transaction.on_commit(mark_now, using=alias)
    done[key] = (weakref.ref(mark_now), current)
