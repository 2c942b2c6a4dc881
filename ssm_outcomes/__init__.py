"""The project package: settings, the Celery app, the URL root and the shared request machinery
(REST plumbing, input guard, error pages). It imports no app (docs/architecture.md)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
