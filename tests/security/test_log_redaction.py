"""The secrets of one-time links (invitations, password resets, two-step enrolment) never reach a
log: gunicorn's access and error logs go through the redacting logger its config file names, and
Django's own log records through the filter on the project's LOGGING handler."""

import datetime as dt
import io
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from gunicorn.app.base import Application
from gunicorn.config import Config

from ssm_outcomes.log_redaction import RedactingGunicornLogger, RedactSecretsFilter, redact

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "c5Qx3N8b-Lq2Zr7Tv0Yk"  # what a one-time link's token looks like


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        (f"GET /me/welcome/{TOKEN}/ HTTP/1.1", "GET /me/welcome/[redacted]/ HTTP/1.1"),
        ("GET /me/welcome/set-password/ HTTP/1.1", "GET /me/welcome/set-password/ HTTP/1.1"),
        (
            f"GET /accounts/reset/MTQ/cz7k1a-{TOKEN}/ HTTP/1.1",
            "GET /accounts/reset/[redacted]/[redacted]/ HTTP/1.1",
        ),
        (
            "GET /accounts/reset/MTQ/set-password/ HTTP/1.1",
            "GET /accounts/reset/[redacted]/set-password/ HTTP/1.1",
        ),
        ("GET /accounts/reset/done/ HTTP/1.1", "GET /accounts/reset/done/ HTTP/1.1"),
        (
            f"POST /accounts/two-step/enrol/{TOKEN}/ HTTP/1.1",
            "POST /accounts/two-step/enrol/[redacted]/ HTTP/1.1",
        ),
        (f"Not Found: /me/welcome/{TOKEN}/", "Not Found: /me/welcome/[redacted]/"),
        (
            f"GET /accounts/two-step/?next=%2Fme%2Fwelcome%2F{TOKEN}%2F HTTP/1.1",
            "GET /accounts/two-step/?next=%2Fme%2Fwelcome%2F[redacted]%2F HTTP/1.1",
        ),
        (f"GET /x/?a=1&token={TOKEN}&b=2 HTTP/1.1", "GET /x/?a=1&token=[redacted]&b=2 HTTP/1.1"),
        (f"token={TOKEN}", "token=[redacted]"),
        ("GET /clinic/?q=csrftoken=1 HTTP/1.1", "GET /clinic/?q=csrftoken=1 HTTP/1.1"),
        ("GET /clinic/patients/12/ HTTP/1.1", "GET /clinic/patients/12/ HTTP/1.1"),
    ],
)
def test_the_secrets_of_one_time_links_are_redacted_and_nothing_else(line, logged):
    assert redact(line) == logged


# --- gunicorn ----------------------------------------------------------------------------------


def gunicorn_logger(tmp_path, **options) -> RedactingGunicornLogger:
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    for name, value in options.items():
        cfg.set(name, value)
    return RedactingGunicornLogger(cfg)


def a_request(path: str, query: str = "", referer: str = "-"):
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.5",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("REFERER", referer), ("USER-AGENT", "Mozilla/5.0")])
    response = SimpleNamespace(
        status="302 Found", sent=0, headers=[("Location", "/me/welcome/set-password/")]
    )
    return response, request, environ


def test_gunicorns_access_log_line_has_the_invitation_token_redacted(tmp_path):
    logger = gunicorn_logger(tmp_path)

    logger.access(*a_request(f"/me/welcome/{TOKEN}/"), dt.timedelta(milliseconds=12))

    line = (tmp_path / "access.log").read_text()
    assert TOKEN not in line
    assert re.fullmatch(
        r'203\.0\.113\.5 - - \[[^\]]+\] "GET /me/welcome/\[redacted\]/ HTTP/1\.1" 302 0 "-" '
        r'"Mozilla/5\.0"\n',
        line,
    )


def test_every_atom_of_a_custom_access_log_format_is_redacted(tmp_path):
    logger = gunicorn_logger(
        tmp_path, access_log_format='%(U)s "%(q)s" %(f)s %({referer}i)s %({raw_uri}e)s'
    )
    referer = f"https://ssm.example.org/accounts/reset/MTQ/{TOKEN}/"

    logger.access(
        *a_request("/accounts/two-step/", f"token={TOKEN}&next=/me/", referer),
        dt.timedelta(milliseconds=3),
    )

    line = (tmp_path / "access.log").read_text()
    assert TOKEN not in line
    assert line == (
        '/accounts/two-step/ "token=[redacted]&next=/me/" '
        "https://ssm.example.org/accounts/reset/[redacted]/[redacted]/ "
        "https://ssm.example.org/accounts/reset/[redacted]/[redacted]/ "
        "/accounts/two-step/?token=[redacted]&next=/me/\n"
    )


def test_gunicorns_error_log_is_redacted_too(tmp_path):
    logger = gunicorn_logger(tmp_path)

    logger.error("Error handling request %s", f"/accounts/two-step/enrol/{TOKEN}/")

    text = (tmp_path / "error.log").read_text()
    assert TOKEN not in text
    assert "Error handling request /accounts/two-step/enrol/[redacted]/" in text


def test_the_gunicorn_config_file_names_the_redacting_logger():
    # Read the way gunicorn reads ``-c ssm_outcomes/gunicorn_conf.py``, without starting it.
    loader = Application.__new__(Application)
    loader.cfg = Config()
    loader.load_config_from_module_name_or_filename(str(ROOT / "ssm_outcomes/gunicorn_conf.py"))

    assert loader.cfg.logger_class is RedactingGunicornLogger


def test_every_way_of_starting_gunicorn_uses_the_config_file():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    benchmarks = (ROOT / "benchmarks/servers.py").read_text()

    assert "--config ssm_outcomes/gunicorn_conf.py" in compose["services"]["web"]["command"]
    assert '"--config", "ssm_outcomes/gunicorn_conf.py"' in dockerfile
    assert '"--config",\n        "ssm_outcomes/gunicorn_conf.py",' in benchmarks


# --- Django's own logs -------------------------------------------------------------------------


@pytest.fixture
def django_log():
    """What the project's LOGGING handler writes, read from a buffer instead of stderr."""
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_djangos_not_found_line_has_the_token_redacted(client, django_log, db):
    response = client.get(f"/me/welcome/{TOKEN}/no-such-page/")

    assert response.status_code == 404
    logged = django_log.getvalue()
    assert TOKEN not in logged
    assert "WARNING django.request Not Found: /me/welcome/[redacted]/no-such-page/" in logged


def test_the_filter_redacts_records_of_any_logger_and_keeps_the_rest(django_log):
    logging.getLogger("patients.anything").warning("opened %s for %s", f"/me/welcome/{TOKEN}/", 7)

    logged = django_log.getvalue()
    assert TOKEN not in logged
    assert "WARNING patients.anything opened /me/welcome/[redacted]/ for 7" in logged


@pytest.mark.django_db
def test_a_refused_one_time_link_is_audited_without_its_token(client):
    from patients.models import AuditEvent

    response = client.get("/me/welcome/a-mistyped-secret-token-123/")

    assert response.status_code == 404
    [row] = AuditEvent.objects.all()
    assert row.path == "/me/welcome/[redacted]/"
