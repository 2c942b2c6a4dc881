"""Bringing a service's patients in from a spreadsheet: reading the file, a preview of what an
import would do (each refused row with its line, column and rule), and the import itself, all or
nothing in one transaction.

Rows are matched on ``local_id``, the team's own identifier for the patient: a row whose id the
team already has updates that patient (only what differs), any other row creates one. So the same
file imported twice changes nothing the second time. Only patients still in the team are matched:
a row with the id of a patient who has left the team is refused (``_left_the_team``). Nothing
already saved is taken away by an import: an empty optional cell leaves the field as it was, and
conditions and teams are only added (a condition is changed only where the file gives it another
onset).

The file: UTF-8 (with or without the byte-order mark spreadsheets add) or the Windows code page
spreadsheets export (cp1252), comma- or semicolon-separated, with a header row naming the columns
in ``COLUMNS``. See docs/starting-a-service.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ssm_outcomes.digits import whole_number
from ssm_outcomes.languages import language_offered

from .audit import Actor
from .models import (
    AuditEvent,
    Condition,
    ConditionCode,
    LocalId,
    Patient,
    PatientImport,
    Team,
    User,
)
from .selectors import teams_for_user
from .signals import teams_changed
from .validation import DISPLAY_NAME_MAX, EARLIEST_DATE, EMAIL_MAX, LOCAL_ID_MAX, email_checked

REQUIRED = ("display_name", "birth_year", "local_id")
OPTIONAL = ("conditions", "email", "language", "teams")
COLUMNS = REQUIRED + OPTIONAL
#: The largest file taken: a list of 100,000 patients is about 8 MB.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
#: Above this many rows, the import runs as a background job with a progress bar.
BACKGROUND_ROWS = 2_000
#: Rows written per step (the progress moves on after each).
CHUNK = 1_000
# What a spreadsheet runs as a formula when the cell is opened (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("display_name", "local_id", "email", "teams", "conditions", "language")


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing in it is looked at further."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row (``line`` as a spreadsheet numbers it, header = 1)."""

    line: int
    column: str
    message: str


@dataclass
class Row:
    line: int
    display_name: str
    birth_year: int
    local_id: str
    conditions: list[tuple[str, dt.date | None]] = field(default_factory=list)
    email: str = ""
    language: str = ""
    teams: list[str] = field(default_factory=list)
    action: str = "create"  # create, update or unchanged (set by the plan)
    patient_id: int = 0  # once matched or created


@dataclass
class Plan:
    """What importing a file into ``team`` would do."""

    team: Team
    rows: list[Row]
    problems: list[Problem]
    columns: list[str]
    text: str = ""  # the file, decoded

    @property
    def refused_lines(self) -> list[int]:
        return sorted({problem.line for problem in self.problems})

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def importable(self) -> bool:
        return not self.problems and bool(self.rows)


# --- Reading the file -------------------------------------------------------------------------


def too_large(size: int) -> str:
    """What a file over the limit is told (size in bytes)."""
    return _(
        "The file is %(size)s MB; the most one import takes is %(limit)s MB. Split it into "
        "smaller files and import each."
    ) % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}


def decoded(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped) or else the Windows code page."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(too_large(len(data)))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            _(
                "The file is not text we can read (it looks like UTF-16 or a workbook). In your "
                "spreadsheet, choose Save as, then “CSV UTF-8” or “CSV”."
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file's characters are in an encoding we cannot read. In your spreadsheet, "
                "choose Save as, then “CSV UTF-8”."
            )
        ) from None


def table(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header's column names and each row as (line, {column: cell}), comma- or
    semicolon-separated (whichever the header uses)."""
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportFileError(_("The file is empty.")) from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            _(
                "The first line must name the columns. Missing: %(missing)s. The columns are "
                "%(columns)s (the first three are needed)."
            )
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
        )
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("Column %(names)s is not one we know. The columns are %(columns)s.")
            % {"names": ", ".join(f"“{name}”" for name in unknown), "columns": ", ".join(COLUMNS)}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ImportFileError(
            _("Column %(names)s is named twice in the first line.")
            % {"names": ", ".join(f"“{name}”" for name in repeated)}
        )
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and the empty rows spreadsheets leave at the end
            line = reader.line_num
            if len(cells) > len(header):
                rows.append((line, {"": "\x00too many"}))
                continue
            rows.append((line, dict(zip(header, cells, strict=False))))
            if len(rows) > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows. Split it and import each part.")
                    % {"limit": number_format(MAX_ROWS, force_grouping=True)}
                )
    except csv.Error as error:
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error}
        ) from None
    return header, rows


def _onset(text: str) -> dt.date:
    """An onset written 2019-03-01, 2019-03 or 2019 (the first day of the month or year)."""
    numbers = []
    for part in text.split("-"):
        number = whole_number(part, most_digits=4)
        if number is None:
            raise ValueError(text)
        numbers.append(number)
    if not 1 <= len(numbers) <= 3:
        raise ValueError(text)
    year, month, day = [*numbers, 1, 1][:3]
    return dt.date(year, month, day)


def _conditions(
    text: str, known: dict[str, ConditionCode], problems: list[str]
) -> list[tuple[str, dt.date | None]]:
    found: list[tuple[str, dt.date | None]] = []
    for part in (part.strip() for part in text.split(";")):
        if not part:
            continue
        # SNOMED[@onset]; a colon in place of the @ is read too (files written before).
        code, _sep, onset_text = part.replace(":", "@", 1).partition("@")
        code = code.strip()
        onset = None
        if code not in known:
            problems.append(
                _("“%(code)s” is not a SNOMED CT code of a condition this service records.")
                % {"code": code}
            )
            continue
        if onset_text.strip():
            try:
                onset = _onset(onset_text.strip())
            except ValueError:
                problems.append(
                    _(
                        "The onset “%(onset)s” of %(code)s must be a date like 2019-03-01 "
                        "(or 2019-03, or 2019)."
                    )
                    % {"onset": onset_text.strip(), "code": code}
                )
                continue
            if onset > timezone.localdate() or onset < EARLIEST_DATE:
                problems.append(
                    _("The onset %(onset)s of %(code)s must be from %(earliest)s to today.")
                    % {"onset": onset_text.strip(), "code": code, "earliest": EARLIEST_DATE.year}
                )
                continue
        if any(code == seen for seen, _onset_seen in found):
            problems.append(_("%(code)s is written twice.") % {"code": code})
            continue
        found.append((code, onset))
    return found


def row_checked(
    line: int,
    cells: dict[str, str],
    *,
    codes: dict[str, ConditionCode],
    teams: dict[str, Team],
) -> tuple[Row | None, list[Problem]]:
    """One row as a Row, or every problem with it (each naming its column and the rule)."""
    problems: list[Problem] = []

    def refuse(column: str, message: str) -> None:
        problems.append(Problem(line, column, message))

    if "" in cells:
        refuse("", _("This line has more cells than the first line has columns."))
        return None, problems
    value = {name: (cells.get(name) or "") for name in COLUMNS}
    for name in TEXT_COLUMNS:
        if value[name].lstrip(" ").startswith(FORMULA_STARTS):
            refuse(
                name,
                _(
                    "Starts with “%(sign)s”, which a spreadsheet would run as a formula. Remove "
                    "the sign or the formula."
                )
                % {"sign": value[name].lstrip(" ")[:1].replace("\t", "tab")},
            )
            value[name] = ""
    if any(problem.column == "" for problem in problems):
        return None, problems
    display_name = value["display_name"].strip()
    if not display_name and "display_name" not in {p.column for p in problems}:
        refuse("display_name", _("Write the name the service knows the patient by."))
    elif len(display_name) > DISPLAY_NAME_MAX:
        refuse(
            "display_name",
            _("Must be at most %(limit)s characters (this has %(length)s).")
            % {"limit": DISPLAY_NAME_MAX, "length": len(display_name)},
        )
    birth_year = 0
    this_year = timezone.localdate().year
    year_text = value["birth_year"].strip()
    year = whole_number(year_text)
    if year is None or not EARLIEST_DATE.year <= year <= this_year:
        refuse(
            "birth_year",
            _("Write the year of birth as four digits, from %(earliest)s to %(now)s, like 1956.")
            % {"earliest": EARLIEST_DATE.year, "now": this_year}
            + (" " + _("This has “%(value)s”.") % {"value": year_text} if year_text else ""),
        )
    else:
        birth_year = year
    local_id = value["local_id"].strip()
    if not local_id and "local_id" not in {p.column for p in problems}:
        refuse("local_id", _("Write the service's own identifier for this patient."))
    elif len(local_id) > LOCAL_ID_MAX:
        refuse(
            "local_id",
            _("Must be at most %(limit)s characters (this has %(length)s).")
            % {"limit": LOCAL_ID_MAX, "length": len(local_id)},
        )
    not_an_address = _("Write an email address like name@example.org, or leave it empty.")
    try:
        email = email_checked(value["email"], not_an_address)
    except ValidationError as error:
        email = ""
        too_long = error.error_dict["email"][0].code == "email_too_long"
        refuse(
            "email",
            _("Must be at most %(limit)s characters (this has %(length)s).")
            % {"limit": EMAIL_MAX, "length": len(value["email"].strip())}
            if too_long
            else not_an_address,
        )
    language = value["language"].strip().lower()
    if language and not language_offered(language):
        refuse(
            "language",
            _("Write one of %(codes)s, or leave it empty.")
            % {"codes": ", ".join(code for code in _language_codes())},
        )
    condition_problems: list[str] = []
    conditions = _conditions(value["conditions"], codes, condition_problems)
    for message in condition_problems:
        refuse("conditions", message)
    team_names = [name.strip() for name in value["teams"].split(";") if name.strip()]
    for name in team_names:
        if name.casefold() not in teams:
            refuse(
                "teams",
                _("“%(name)s” is not one of your teams. Your teams: %(teams)s.")
                % {"name": name, "teams": ", ".join(team.name for team in teams.values())},
            )
    if problems:
        return None, problems
    return (
        Row(
            line=line,
            display_name=display_name,
            birth_year=birth_year,
            local_id=local_id,
            conditions=conditions,
            email=email,
            language=language,
            teams=sorted({teams[name.casefold()].name for name in team_names}),
        ),
        [],
    )


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# --- The plan: what an import would do ----------------------------------------------------------


def teams_importable(user: User | None):
    """The teams a user may import into: a clinician their own, an administrator any (and the
    ``import_patients`` command, run by whoever runs the server: ``user`` None)."""
    if user is None or user.role == User.Role.ADMIN:
        return Team.objects.all()
    if user.is_clinician:
        return teams_for_user(user=user, role="clinician")
    return Team.objects.none()


def import_plan(*, data: bytes, team: Team, user: User | None) -> Plan:
    """Read ``data`` and say what importing it into ``team`` would do, writing nothing. A file
    that cannot be read at all raises ImportFileError; problems with rows are listed in the plan,
    every one of them, so one preview shows all there is to fix."""
    text = decoded(data)
    header, raw = table(text)
    if not raw:
        raise ImportFileError(_("The file has a first line but no patients below it."))
    plan = rows_plan(raw, team=team, user=user)
    plan.columns, plan.text = header, text
    return plan


def rows_plan(
    raw: list[tuple[int, dict[str, str]]],
    *,
    team: Team,
    user: User | None,
    again: str = "",
    left: str = "",
) -> Plan:
    """What importing these rows (each a line number and its cells by column) into ``team``
    would do: the part a spreadsheet and a FHIR Bundle share. ``again`` words a local id given
    twice (with %(id)s and %(line)s), ``left`` the local id of a patient who has left the team
    (with %(id)s)."""
    again = again or _("“%(id)s” is also on line %(line)s: each patient can be in a file once.")
    left = left or left_team_message()
    codes = {code.snomed_code: code for code in ConditionCode.objects.all()}
    teams = {one.name.casefold(): one for one in teams_importable(user)}
    rows: list[Row] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for line, cells in raw:
        row, found = row_checked(line, cells, codes=codes, teams=teams)
        problems.extend(found)
        local_id = (cells.get("local_id") or "").strip()
        if local_id and local_id in first_line:
            problems.append(
                Problem(
                    line,
                    "local_id",
                    again % {"id": local_id, "line": first_line[local_id]},
                )
            )
            continue
        if local_id:
            first_line[local_id] = line
        if row is not None:
            rows.append(row)
    gone = _left_the_team(rows, team)
    problems.extend(Problem(row.line, "local_id", left % {"id": row.local_id}) for row in gone)
    gone_lines = {row.line for row in gone}
    rows = [row for row in rows if row.line not in gone_lines]
    problems.sort(
        key=lambda problem: (
            problem.line,
            COLUMNS.index(problem.column) if problem.column in COLUMNS else -1,
        )
    )
    _match(rows, team, teams)
    return Plan(team=team, rows=rows, problems=problems, columns=list(COLUMNS))


def left_team_message() -> str:
    """What a row is told whose local id belongs to a patient who has left the team (%(id)s)."""
    return _(
        "“%(id)s” was this team's identifier of a patient who is no longer in the team: this row "
        "cannot change them or bring them back. Give a new patient an identifier of their own."
    )


def _left_the_team(rows: list[Row], team: Team) -> list[Row]:
    """The rows whose local id the team gave a patient who has since left it. The team may no
    longer see or change that record, so the row is refused: matching it would change the
    patient and bring them back, and making a new record would quietly give the team a second
    record of the same person. The row says only that the patient left this team (which the
    team knew), nothing of where they are now."""
    if not rows:
        return []
    # The team's ids of patients no longer in it: a short list, read whole (a file's ids can be
    # too many for one "IN" list).
    stale = set(
        LocalId.objects.filter(team=team)
        .exclude(patient__teams=team)
        .values_list("value", flat=True)
    )
    return [row for row in rows if row.local_id in stale]


def _match(rows: list[Row], team: Team, teams: dict[str, Team]) -> None:
    """Set each row's action: create (a local id the team does not have), update (something
    differs) or unchanged. Only the team's own patients are matched: a local id of a patient
    who has left the team (refused before this) is never matched."""
    known = dict(
        LocalId.objects.filter(team=team, patient__teams=team).values_list("value", "patient_id")
    )
    matched = [row for row in rows if row.local_id in known]
    if not matched:
        return
    theirs = Patient.objects.filter(local_ids__team=team, teams=team)
    patients = {
        values["id"]: values
        for values in theirs.values("id", "display_name", "birth_year", "email", "language")
    }
    conditions: dict[int, dict[str, dt.date | None]] = {}
    for patient_id, code, onset in Condition.objects.filter(patient__in=theirs).values_list(
        "patient_id", "code__snomed_code", "onset"
    ):
        conditions.setdefault(patient_id, {})[code] = onset
    team_ids: dict[int, set[int]] = {}
    for patient_id, team_id in Patient.teams.through.objects.filter(patient__in=theirs).values_list(
        "patient_id", "team_id"
    ):
        team_ids.setdefault(patient_id, set()).add(team_id)
    for row in matched:
        row.patient_id = known[row.local_id]
        now = patients[row.patient_id]
        had = conditions.get(row.patient_id, {})
        wanted_teams = {team.pk} | {teams[name.casefold()].pk for name in row.teams}
        differs = (
            row.display_name != now["display_name"]
            or row.birth_year != now["birth_year"]
            or (row.email and row.email != now["email"])
            or (row.language and row.language != now["language"])
            or any(
                code not in had or (onset and had[code] != onset) for code, onset in row.conditions
            )
            or not wanted_teams <= team_ids.get(row.patient_id, set())
        )
        row.action = "update" if differs else "unchanged"


# --- The import ---------------------------------------------------------------------------------

PROGRESS = "patient-import-progress-{id}"


def progress_cache():
    """Where an import's progress is kept while its transaction is open (invisible in the
    database until it commits): Redis when the site has it, else this process's memory."""
    return caches["progress"]


def import_progress(record: PatientImport) -> int:
    """Rows done so far: from the running import, or the record once it has finished."""
    if record.state in (PatientImport.State.QUEUED, PatientImport.State.RUNNING):
        return int(progress_cache().get(PROGRESS.format(id=record.pk)) or record.done_rows)
    return record.done_rows


def import_record(*, plan: Plan, user: User | None, text: str, file_name: str, source: str):
    """The audit record of an import about to be made (kept with the file until it runs)."""
    return PatientImport.objects.create(
        team=plan.team,
        created_by=user,
        source=source,
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        rows=len(plan.rows),
    )


def import_run(
    *, record: PatientImport, user: User | None, actor: Actor | None = None
) -> PatientImport:
    """Import the file kept with ``record`` into its team, all or nothing, checking it again
    first (the records may have changed since the preview). Refused if any row is refused, or
    if ``user`` may no longer import into the team (they have left it since the preview, or
    their account has been switched off)."""
    if user is not None and not user.is_active:
        raise ValidationError(
            _("Nothing was imported: the account that started it has been switched off."),
            code="account_off",
        )
    if not teams_importable(user).filter(pk=record.team_id).exists():
        raise ValidationError(
            _(
                "Nothing was imported: you no longer import into %(team)s (only a clinician of "
                "the team can)."
            )
            % {"team": record.team.name},
            code="team_left",
        )
    plan = import_plan(data=record.text.encode(), team=record.team, user=user)
    if plan.problems:
        raise ValidationError(
            ngettext(
                "%(count)s row has a problem: fix it and upload the file again.",
                "%(count)s rows have problems: fix them and upload the file again.",
                len(plan.refused_lines),
            )
            % {"count": len(plan.refused_lines)},
            code="rows_refused",
        )
    PatientImport.objects.filter(pk=record.pk).update(state=PatientImport.State.RUNNING)
    cache = progress_cache()
    key = PROGRESS.format(id=record.pk)

    def progress(done: int) -> None:
        cache.set(key, done, timeout=24 * 3600)

    with transaction.atomic():
        import_apply(plan, user=user, actor=actor, progress=progress)
        PatientImport.objects.filter(pk=record.pk).update(
            state=PatientImport.State.DONE,
            text="",  # the file is not kept once it has been imported
            rows=len(plan.rows),
            done_rows=len(plan.rows),
            created=plan.count("create"),
            updated=plan.count("update"),
            unchanged=plan.count("unchanged"),
            finished_at=timezone.now(),
        )
    cache.delete(key)
    record.refresh_from_db()
    return record


def import_run_queued(*, import_id: int, user_id: int) -> str:
    """The background job's part: run the import, or record why it could not be made.

    The import's row is locked for the whole run, and its "running" state is written inside the
    same transaction: a job delivered twice waits, then finds it done; a worker killed half-way
    leaves nothing behind (the state goes back to waiting), so the redelivered job runs it."""
    waiting = (PatientImport.State.QUEUED, PatientImport.State.PREVIEWED)
    with transaction.atomic():
        record = PatientImport.objects.select_for_update().select_related("team").get(pk=import_id)
        if record.state not in waiting:
            return record.state  # already run (a task delivered twice)
        user = User.objects.get(pk=user_id)
        try:
            import_run(record=record, user=user, actor=Actor(user=user, path="import job"))
        except (ValidationError, ImportFileError) as error:
            failure = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            PatientImport.objects.filter(pk=import_id).update(
                state=PatientImport.State.FAILED, failure=failure, finished_at=timezone.now()
            )
            progress_cache().delete(PROGRESS.format(id=import_id))
            return PatientImport.State.FAILED
    return PatientImport.State.DONE


def import_apply(
    plan: Plan,
    *,
    user: User | None,
    actor: Actor | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write what the plan says, in chunks (``progress`` is told the rows done after each), in
    the caller's transaction."""
    team = plan.team
    codes = dict(ConditionCode.objects.values_list("snomed_code", "pk"))
    teams = {one.name: one.pk for one in Team.objects.filter(name__in=_team_names(plan.rows))}
    done = 0
    for chunk in _chunks([row for row in plan.rows if row.action != "unchanged"], CHUNK):
        _create(team, [row for row in chunk if row.action == "create"], codes, teams)
        _update(team, [row for row in chunk if row.action == "update"], codes, teams)
        _audit(actor or (Actor(user=user) if user else None), chunk)
        done += len(chunk)
        if progress:
            progress(done)
    if progress:
        progress(len(plan.rows))


def _team_names(rows: Iterable[Row]) -> set[str]:
    return {name for row in rows for name in row.teams}


def _chunks(rows: list[Row], size: int) -> Iterable[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _create(team: Team, rows: list[Row], codes: dict[str, int], teams: dict[str, int]) -> None:
    if not rows:
        return
    patients = Patient.objects.bulk_create(
        [
            Patient(
                display_name=row.display_name,
                birth_year=row.birth_year,
                email=row.email,
                language=row.language,
            )
            for row in rows
        ]
    )
    for row, patient in zip(rows, patients, strict=True):
        row.patient_id = patient.pk
    LocalId.objects.bulk_create(
        [LocalId(team=team, patient_id=row.patient_id, value=row.local_id) for row in rows]
    )
    _join_teams(team, rows, teams, have={})
    Condition.objects.bulk_create(
        [
            Condition(patient_id=row.patient_id, code_id=codes[code], onset=onset)
            for row in rows
            for code, onset in row.conditions
        ]
    )


def _join_teams(
    team: Team, rows: list[Row], teams: dict[str, int], have: dict[int, set[int]]
) -> list[int]:
    """Add each row's patient to the import's team and the teams the row names; returns the
    patients who joined a team."""
    through = Patient.teams.through
    joins = []
    for row in rows:
        for team_id in sorted({team.pk} | {teams[name] for name in row.teams}):
            if team_id not in have.get(row.patient_id, set()):
                joins.append(through(patient_id=row.patient_id, team_id=team_id))
    through.objects.bulk_create(joins)
    return sorted({join.patient_id for join in joins})


def _update(team: Team, rows: list[Row], codes: dict[str, int], teams: dict[str, int]) -> None:
    if not rows:
        return
    ids = [row.patient_id for row in rows]
    # Only the team's own patients, whatever changed since the plan was made: a patient who has
    # left the team in the meantime refuses the whole import.
    patients = Patient.objects.filter(teams=team).select_for_update().in_bulk(ids)
    for row in rows:
        if row.patient_id not in patients:
            raise ValidationError(left_team_message() % {"id": row.local_id}, code="left_team")
    now = timezone.now()
    for row in rows:
        patient = patients[row.patient_id]
        patient.display_name, patient.birth_year = row.display_name, row.birth_year
        patient.email = row.email or patient.email
        patient.language = row.language or patient.language
        patient.updated_at = now
    Patient.objects.bulk_update(
        list(patients.values()), ["display_name", "birth_year", "email", "language", "updated_at"]
    )
    recorded = {
        (condition.patient_id, condition.code_id): condition
        for condition in Condition.objects.filter(patient_id__in=ids)
    }
    added, changed = [], []
    for row in rows:
        for code, onset in row.conditions:
            condition = recorded.get((row.patient_id, codes[code]))
            if condition is None:
                added.append(Condition(patient_id=row.patient_id, code_id=codes[code], onset=onset))
            elif onset and condition.onset != onset:
                condition.onset, condition.updated_at = onset, now
                changed.append(condition)
    Condition.objects.bulk_create(added)
    Condition.objects.bulk_update(changed, ["onset", "updated_at"])
    have: dict[int, set[int]] = {}
    for patient_id, team_id in Patient.teams.through.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "team_id"
    ):
        have.setdefault(patient_id, set()).add(team_id)
    for patient_id in _join_teams(team, rows, teams, have):
        teams_changed.send(sender=None, patient_id=patient_id, left_team_ids=[])


def _audit(actor: Actor | None, rows: list[Row]) -> None:
    """One audit row per patient created or changed, like any other write of a record."""
    user = actor.user if actor else None
    if actor is None or user is None:
        return
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_role=user.role,
                patient_id=row.patient_id,
                action=AuditEvent.Action.CREATE
                if row.action == "create"
                else AuditEvent.Action.UPDATE,
                what="patient import",
                path=actor.path,
                request_id=actor.request_id,
            )
            for row in rows
        ]
    )
