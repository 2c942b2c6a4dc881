"""Queue a Celery task by its registered name, so that a module that marks work to do need not
import the module that does it (no services ⇄ tasks import cycle).

With ``CELERY_TASK_ALWAYS_EAGER`` (no broker configured) the task runs in-process, as any task
called with ``apply_async`` does. With a broker that cannot be reached, nothing is raised: the
caller's data is already saved and a periodic sweep does the work instead; the failure is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app

log = logging.getLogger(__name__)


def enqueue(name: str, *args: Any, countdown: float | None = None) -> bool:
    """Queue task ``name`` with ``args``; return whether it was queued (or run, when eager)."""
    try:
        current_app.tasks[name].apply_async(args=args, countdown=countdown)
    except Exception:  # the broker is down: a sweep catches up, the save stands
        log.warning("task %s%r not queued; the sweep will do it", name, args, exc_info=True)
        return False
    return True
