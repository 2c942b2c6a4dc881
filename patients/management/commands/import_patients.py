"""Import a service's patients from a CSV file (the same rules as the clinic's import page)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from patients.imports import ImportFileError, import_plan, import_record, import_run
from patients.models import Team


class Command(BaseCommand):
    help = (
        "Import patients from a CSV file into a team: display_name, birth_year, local_id and "
        "optionally conditions, email, language, teams. Rows are matched on local_id, so "
        "importing the same file again changes nothing. All or nothing: any refused row and "
        "nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--team", required=True, help="The team's name, as in the admin.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would happen; change nothing."
        )

    def handle(self, *args, file: Path, team: str, dry_run: bool, **options):
        into = Team.objects.filter(name=team).first()
        if into is None:
            names = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"There is no team named “{team}”. Teams: {names}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            plan = import_plan(data=data, team=into, user=None)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from None
        for problem in plan.problems:
            self.stderr.write(f"line {problem.line}, {problem.column}: {problem.message}")
        counts = (
            f"{plan.count('create')} to create, {plan.count('update')} to update, "
            f"{plan.count('unchanged')} unchanged, {len(plan.refused_lines)} refused"
        )
        if plan.problems:
            raise CommandError(f"Nothing imported: {counts}. Fix the rows above and run again.")
        if dry_run:
            self.stdout.write(f"Dry run, nothing changed: {counts}.")
            return
        record = import_record(
            plan=plan, user=None, text=plan.text, file_name=file.name, source="command"
        )
        record = import_run(record=record, user=None)
        self.stdout.write(
            f"Imported into {into}: {record.created} created, {record.updated} updated, "
            f"{record.unchanged} unchanged."
        )
