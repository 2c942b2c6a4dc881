"""The benchmarks' own PostgreSQL databases, and Django set up against one."""

from __future__ import annotations

import os
import secrets


def cohort_database_url(patients: int) -> str:
    """The database of the demo cohort of ``patients``, shared by the benchmarks that measure
    it (``ssm_bench_<patients>`` on ``BENCH_DATABASE_SERVER``, default the local server)."""
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
    return f"{server}/ssm_bench_{patients}"


def database_ensure(url: str, *, fresh: bool = False) -> None:
    """Create the database named at the end of ``url`` if it is missing (first dropping it when
    ``fresh``), connected to the server's ``postgres`` database."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    server = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    server.autocommit = True
    with server.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()


def django_setup(database_url: str, broker: str | None = None) -> None:
    """Production settings on ``database_url``; the environment is what the servers inherit."""
    os.environ["DATABASE_URL"] = database_url
    if broker is not None:
        os.environ["CELERY_BROKER_URL"] = broker
    # The sessions this process signs must verify in the server: both use the same key.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssm_outcomes.settings")
    import django

    django.setup()
