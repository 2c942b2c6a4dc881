"""Writing the demo cohort: the staff saved one by one, and each chunk's planned rows in bulk.

Two small writers insert a table's rows: ``OrmWriter`` with ``bulk_create`` on any database,
``CopyWriter`` with COPY on PostgreSQL, where parent rows take their ids from the table's sequence
first. ``bulk_loading`` picks the writer; on PostgreSQL it drops the filled tables' foreign keys
and plain indexes for the load and rebuilds them afterwards, so the run holds exclusive locks on
them until it commits: seed a demo database, not one serving users.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.rows import TABLES, Ref, Rows
from demo.vocabulary import DEMO_USERNAMES, DUTCH_PATIENT, LANGUAGES, TEAMS, USERS
from patients.models import Membership, Team, User

_BATCH_SIZE = 2000


def staff_create(
    *, password: str, dutch: bool = True
) -> tuple[dict[str, int], dict[str, tuple[int, tuple[int, ...]]]]:
    """The users and teams, saved one by one (a handful); demo-patient-nl's only when `dutch`.

    Returns user ids by username, and per team key the team id and its clinicians' user ids.
    """
    teams = {key: Team.objects.create(name=name, description=text) for key, name, text in TEAMS}
    users: dict[str, int] = {}
    memberships = []
    for username, first, last, role, clinician_in, manager_of, lead_of in USERS:
        if username == DUTCH_PATIENT.username and not dutch:
            continue  # a cohort of one has no room for her
        admin = role == User.Role.ADMIN
        user = User(username=username, first_name=first, last_name=last, role=role)
        if username in LANGUAGES:
            user.language = LANGUAGES[username]
        user.email, user.is_staff, user.is_superuser = f"{username}@example.org", admin, admin
        if username in DEMO_USERNAMES:
            user.set_password(password)  # Argon2 is slow: only the demo logins get a password
        else:
            user.set_unusable_password()
        user.save()
        if username == "demo-admin":
            # Setting up a first authenticator needs an e-mailed link or an approval, so the
            # demo administrator's is ready: `make demo-code` prints its code. (bulk_create: no
            # "two-step sign-in was set up" email for a demo login.)
            TOTPDevice.objects.bulk_create(
                [TOTPDevice(user=user, name="Demo authenticator", confirmed=True)]
            )
        users[username] = user.pk
        memberships += [
            Membership(user=user, team=teams[k], role="clinician") for k in clinician_in.split()
        ]
        memberships += [
            Membership(user=user, team=teams[k], role="manager") for k in manager_of.split()
        ]
        memberships += [
            Membership(user=user, team=teams[k], role="network_lead")
            for k in (teams if lead_of == "*" else lead_of.split())
        ]
    Membership.objects.bulk_create(memberships)
    members = {
        key: (
            team.pk,
            tuple(m.user_id for m in memberships if m.team is team and m.role == "clinician"),
        )
        for key, team in teams.items()
    }
    return users, members


@contextmanager
def bulk_loading() -> Iterator[OrmWriter | CopyWriter]:
    """The writer for this database, with PostgreSQL's keys and indexes set aside meanwhile."""
    if connection.vendor != "postgresql":
        yield OrmWriter()
        return
    writer = CopyWriter()
    # Settle pending key checks now (ALTER TABLE needs that), then check per COPY.
    _execute("SET CONSTRAINTS ALL IMMEDIATE")
    restore = _set_aside_keys_and_indexes(tuple(TABLES))
    yield writer
    # Put keys and indexes back; fresh statistics, so the first reads plan well.
    tables = ", ".join(apps.get_model(label)._meta.db_table for label, _ in TABLES.values())
    for sql in [*restore, "SET CONSTRAINTS ALL DEFERRED", f"ANALYZE {tables}"]:
        _execute(sql)


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


_SET_ASIDE_SQL = """
    SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),
           'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname)
           || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%(tables)s::regclass[])
    UNION ALL
    SELECT 'DROP INDEX ' || indexrelid::regclass, pg_get_indexdef(indexrelid)
    FROM pg_index WHERE indrelid = ANY(%(tables)s::regclass[]) AND NOT indisunique
"""


def _set_aside_keys_and_indexes(names: tuple[str, ...]) -> list[str]:
    """Drop the tables' foreign keys and plain indexes; return the SQL that puts them back.

    PostgreSQL's advice for bulk loads: checking each row's keys and growing each index row by
    row costs several times the load itself, while rebuilding them afterwards is one pass each.
    It all happens in the transaction, so a failure leaves the schema as it was; constraint and
    index names and definitions come back exactly. Skipped when the user does not own the tables.
    """
    tables = [apps.get_model(TABLES[name][0])._meta.db_table for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class "
            "WHERE oid = ANY(%s::regclass[])",
            [tables],
        )
        if not cursor.fetchone()[0]:
            return []
        cursor.execute(_SET_ASIDE_SQL, {"tables": tables})
        statements = cursor.fetchall()
        for drop, _ in statements:
            cursor.execute(drop)
    restore = sorted((create for _, create in statements), key=lambda sql: "FOREIGN" in sql)
    return ["SET LOCAL maintenance_work_mem = '256MB'", *restore]


def rows_write(rows: Rows, writer: OrmWriter | CopyWriter, counts: Counter[str]) -> None:
    """Insert a chunk table by table, parents first, swapping references for the new ids."""
    ids: dict[str, list[int]] = {}
    for name, (label, fields) in TABLES.items():
        table = rows.tables[name]
        if not table:
            continue
        model, columns = apps.get_model(label), fields.split()
        keys = [n for n, column in enumerate(columns) if column.endswith("_id")]
        for row in table:
            for n in keys:
                value = row[n]
                if type(value) is Ref:
                    row[n] = ids[value.table][value.index]
        ids[name] = writer.insert(model, columns, table, want_ids=name in rows.parents)
        counts[name] += len(table)


class OrmWriter:
    """Any database: model instances through ``bulk_create``, which returns the new ids."""

    def insert(
        self,
        model: type[models.Model],
        columns: list[str],
        rows: list[list[Any]],
        *,
        want_ids: bool,
    ) -> list[int]:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        with _keeping_given_timestamps(model, columns):
            model._default_manager.bulk_create(objs, batch_size=_BATCH_SIZE)
        return [obj.pk for obj in objs] if want_ids else []


@contextmanager
def _keeping_given_timestamps(model: type[models.Model], columns: list[str]) -> Iterator[None]:
    """``bulk_create`` stamps ``auto_now_add`` fields with the time of the insert; rows that give
    the time they were saved keep it (the COPY writer writes it as given). The stamp is switched
    off on those fields for this insert only; seeding runs alone, in one transaction."""
    fields = [
        f
        for f in model._meta.concrete_fields
        # auto_now_add belongs to the date, time and date-time fields
        if isinstance(f, models.DateField | models.TimeField)
        and f.attname in columns
        and f.auto_now_add
    ]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


class CopyWriter:
    """PostgreSQL: COPY in text format; parent rows get ids drawn from their sequence first."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.sequences: dict[str, str] = {}

    def insert(
        self,
        model: type[models.Model],
        columns: list[str],
        rows: list[list[Any]],
        *,
        want_ids: bool,
    ) -> list[int]:
        meta, quote = model._meta, connection.ops.quote_name
        # Columns the rows leave out get the model's default, as bulk_create would give them.
        rest = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
        # The default language's column of a translated field (label_en_gb, modeltranslation)
        # holds the same text as the original column, as the ORM would write it.
        copied = {
            n: columns.index(getattr(f, "translated_field").attname)  # noqa: B009
            for n, f in enumerate(rest)
            if getattr(f, "language", None) == settings.LANGUAGE_CODE
            and getattr(getattr(f, "translated_field", None), "attname", None) in columns
        }
        defaults = [self.now if _is_timestamp(f) else f.get_default() for f in rest]
        suffix = "".join("\t" + _COPY_FORMAT[type(v)](v) for v in defaults) + "\n"
        if copied:
            rows = [
                [*row, *(row[copied[n]] if n in copied else v for n, v in enumerate(defaults))]
                for row in rows
            ]
            suffix = "\n"
        # A concrete field always has a column (the stubs allow None for the others).
        columns = [*columns, *(cast(str, f.column) for f in rest)]
        ids: list[int] = []
        with connection.cursor() as cursor:
            if want_ids:
                if meta.db_table not in self.sequences:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [meta.db_table])
                    self.sequences[meta.db_table] = cursor.fetchone()[0]
                sql = "SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
                cursor.execute(sql, [self.sequences[meta.db_table], len(rows)])
                ids = [pk for (pk,) in cursor.fetchall()]
                columns.insert(0, "id")
                rows = [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
            text = "".join(
                "\t".join([_COPY_FORMAT[type(v)](v) for v in row]) + suffix for row in rows
            )
            names = ", ".join(map(quote, columns))
            cursor.copy_expert(
                f"COPY {quote(meta.db_table)} ({names}) FROM STDIN", io.StringIO(text)
            )
        return ids


def _is_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _copy_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


_COPY_FORMAT: dict[type, Callable[[Any], str]] = {
    int: str,
    str: _copy_text,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _: "\\N",
    list: lambda value: _copy_text(json.dumps(value)),
}
