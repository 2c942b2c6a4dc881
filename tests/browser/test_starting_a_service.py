"""From an empty database to a team dashboard with summaries, in a browser, the way a new
service starts (docs/starting-a-service.md): the administrator creates the team and its staff and
emails them sign-in invitations; the clinician imports 200 patients from a CSV file (five bad rows
refused at the preview, fixed, checked again), then invites everyone without a login; 20 patients
accept (half from emailed links, half from printed letters) and rate; the manager sees the quarter.
Prints the number of steps taken and the time it took."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from indicators.models import TeamSummary
from patients.models import Invitation, Patient, PatientImport, User
from tests.browser.conftest import sign_in
from tests.browser.remote import expect
from tests.factories import UserFactory
from tests.support.two_step import authenticator_for, code_now

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-and-private-passphrase"
TEAM = "Riverside Diabetes Service"
ROWS = 200
BAD_LINES = {  # line in the file (the header is line 1) → the bad row
    12: "Broken B.,19x0,R-010,,,",
    40: '=HYPERLINK("x"),1950,R-038,,,',
    77: "Dup D.,1950,R-005,,,",
    130: ",1950,R-128,,,",
    181: "Code C.,1950,R-179,123,,",
}


def patient_csv(bad: bool) -> str:
    lines = ["display_name,birth_year,local_id,conditions,email,language"]
    for n in range(ROWS):
        email = "" if n % 10 == 0 else f"patient{n}@example.org"  # 20 without an address
        lines.append(f"Patient {n:03d},{1940 + n % 50},R-{n:03d},44054006:2018-05,{email},")
    if bad:
        for line, row in BAD_LINES.items():
            lines[line - 1] = row
    return "\n".join(lines) + "\n"


class Steps:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, what: str) -> None:
        self.count += 1


def heading(page):
    return page.get_by_role("heading", level=1)


def add_staff(page, steps, username: str, role: str, team_role: str) -> None:
    """Administrator: a user with an email address, a role and a team membership, no password."""
    page.goto(reverse("admin:patients_user_add"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Disabled").check()  # they choose their own password
    page.get_by_role("button", name="Save", exact=True).click()
    steps(f"add {username}")
    expect(page.get_by_text("was added successfully")).to_be_visible()
    page.get_by_label("Email address").fill(f"{username}@example.org")
    page.locator("select[name=role]").select_option(role)
    page.locator("select[name$='-0-team']").select_option(label=TEAM)
    page.locator("select[name$='-0-role']").select_option(team_role)
    page.get_by_role("button", name="Save", exact=True).click()
    steps(f"role and team of {username}")
    expect(page.get_by_text("was changed successfully")).to_be_visible()


def choose_password_from_email(page, steps, address: str) -> None:
    message = next(m for m in mail.outbox if m.to == [address])
    link = re.search(r"http://\S+", message.body).group(0)
    page.goto(urlsplit(link).path)  # the site's address is SITE_URL; the test's server is another
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Save my new password").click()
    steps(f"{address} chooses a password")
    page.get_by_role("link", name="Carry on").click()  # signed in with the new password
    steps(f"{address} carries on, signed in")


def test_from_an_empty_database_to_a_team_dashboard(page, tmp_path, capsys):
    started, cpu = time.perf_counter(), time.process_time()
    steps = Steps()
    assert Patient.objects.count() == 0
    admin = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)
    admin.set_password(PASSWORD)
    admin.save()
    device = authenticator_for(admin)

    # The administrator: the first-run guide, the team, the clinician and the manager.
    sign_in(page, "admin", PASSWORD)
    page.get_by_label("6-digit code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
    steps("administrator signs in")
    page.goto(reverse("admin:index"))
    expect(page.locator("#first-run")).to_contain_text("Create the team: to do")
    page.locator("#first-run").get_by_role("link", name="Add a team").click()
    page.get_by_label("Name").fill(TEAM)
    page.get_by_role("button", name="Save", exact=True).click()
    steps("create the team")
    expect(page.get_by_text("was added successfully")).to_be_visible()
    add_staff(page, steps, "nurse", "clinician", "clinician")
    add_staff(page, steps, "boss", "manager", "manager")
    page.goto(reverse("admin:patients_user_changelist"))
    for username in ("nurse", "boss"):
        page.locator(
            f"input[name=_selected_action][value='{User.objects.get(username=username).pk}']"
        ).check()
    page.locator("select[name=action]").select_option("email_sign_in_invitation")
    page.locator("button[name=index]").click()  # the admin action's "Go"
    steps("email the staff their sign-in invitations")
    expect(page.get_by_text("Sign-in invitation emailed to 2 accounts.")).to_be_visible()
    page.context.clear_cookies()

    # The clinician: chooses a password, imports the list, fixes five rows, imports it.
    choose_password_from_email(page, steps, "nurse@example.org")
    page.goto(reverse("clinic:caseload"))
    page.get_by_role("link", name="Import patients").click()
    bad_file = tmp_path / "patients.csv"
    bad_file.write_text(patient_csv(bad=True))
    page.get_by_label("Patient list (a CSV file)").set_input_files(str(bad_file))
    page.get_by_role("button", name="Check the file").click()
    steps("check the file")
    expect(page.locator("#error-summary")).to_contain_text("please fix 5 rows")
    # The table of problems comes after the summary: read it once it is all there.
    refused_lines = page.locator("#import-problems tbody tr td:first-child")
    expect(refused_lines).to_have_count(len(BAD_LINES))
    refused = refused_lines.all_inner_texts()
    assert sorted(int(line) for line in refused) == sorted(BAD_LINES)
    assert Patient.objects.count() == 0
    good_file = tmp_path / "patients-fixed.csv"
    good_file.write_text(patient_csv(bad=False))
    page.get_by_role("link", name="Check a corrected file").click()
    page.get_by_label("Patient list (a CSV file)").set_input_files(str(good_file))
    page.get_by_role("button", name="Check the file").click()
    steps("check the corrected file")
    expect(page.locator("#import-counts dd").first).to_have_text("200")  # new patients
    page.get_by_role("button", name="Import 200 rows").click()
    steps("import")
    expect(page.get_by_text("Imported 200 patients.")).to_be_visible()
    assert PatientImport.objects.get(state="done").created == ROWS

    # Invite everyone without a login: 180 emails, 20 letters.
    page.get_by_role("link", name="Go to the caseload").click()
    page.get_by_role("button", name="Invite everyone without a login").click()
    steps("invite everyone")
    expect(page.locator("#invitation-summary")).to_contain_text("180 invitations emailed")
    expect(page.locator("#invitation-summary")).to_contain_text("20 letters to print below")
    # The letters come after the summary: read them once they are all there.
    letters = page.locator(".letter-link strong")
    expect(letters).to_have_count(20)
    typed = letters.all_inner_texts()
    assert len(typed) == 20
    assert Invitation.objects.count() == ROWS
    page.context.clear_cookies()

    # 20 patients accept, 10 from a letter's short address and 10 from their email, and rate.
    emailed = [m for m in mail.outbox if m.to[0].startswith("patient")][:10]
    links = typed[:10] + [re.search(r"http://\S+", m.body).group(0) for m in emailed]
    for n, link in enumerate(links):
        page.goto(urlsplit(link).path)
        page.get_by_label("Choose a password").fill(PASSWORD)
        page.get_by_label("Type the password again").fill(PASSWORD)
        page.get_by_role("button", name="Save and go to my pages").click()
        steps(f"patient {n} accepts")
        expect(heading(page)).to_contain_text("Hello")
        page.goto(reverse("portal:rate", args=["H1"]))
        page.locator(f"label.scale-option:has(input[value='{3 + n % 6}'])").click()
        page.get_by_role("button", name="Save and go on").click()
        steps(f"patient {n} rates")
        page.wait_for_load_state()
        page.context.clear_cookies()
    assert Patient.objects.filter(user__isnull=False).count() == 20

    # The manager sees the quarter.
    choose_password_from_email(page, steps, "boss@example.org")
    team = TeamSummary.objects.get().team
    page.goto(reverse("dashboards:team_overview", args=[team.pk]))
    steps("manager opens the team's page")
    expect(heading(page)).to_contain_text(f"{TEAM}: overview, ")
    expect(page.locator(".figure-headline")).to_contain_text("Patient-weighted index")
    assert TeamSummary.objects.get().patients == 20

    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(
            f"\nstarting a service: {steps.count} steps in the browser, {seconds:.0f} s "
            f"({cpu_seconds:.0f} s of this process's CPU)"
        )
