"""docker-compose.yml cannot run here (no engine), so check what can be checked: it parses, has
the services the design names, and passes the variables the settings read."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables() -> set[str]:
    source = (ROOT / "ssm_outcomes" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))


def test_compose_has_database_broker_web_worker_and_beat(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "worker-groups", "beat"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


def test_every_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_app_services_wait_for_healthy_database_and_redis(compose):
    for name in ("web", "worker", "worker-groups", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name


def test_app_services_run_the_projects_wsgi_and_celery_app(compose):
    services = compose["services"]
    assert "gunicorn ssm_outcomes.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "ssm_outcomes", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "ssm_outcomes", "beat"]


def test_app_environment_only_uses_variables_the_settings_read(compose):
    read = settings_variables()
    for name in ("web", "worker", "worker-groups", "beat"):
        environment = compose["services"][name]["environment"]
        assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= set(
            environment
        )
        assert set(environment) <= read, set(environment) - read
        assert environment["DEBUG"] == "0"


def test_app_database_and_broker_point_at_the_compose_services(compose):
    environment = compose["services"]["web"]["environment"]
    db = compose["services"]["db"]["environment"]
    assert environment["DATABASE_URL"] == (
        f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")


def test_web_health_check_probes_the_health_endpoint(compose, client, db):
    probe = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert "/health/" in probe
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_workers_between_them_serve_every_queue_the_tasks_are_routed_to(compose, settings):
    services = compose["services"]
    served = set()
    for name in ("worker", "worker-groups"):
        command = services[name]["command"]
        served.update(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}

    assert served == set(settings.WORKER_QUEUES) == {"celery", "groups", "summaries"}
    assert routed <= served
    assert services["worker-groups"]["command"][-5:-3] == ["--concurrency", "1"]


def test_make_worker_serves_every_queue(settings):
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()

    assert f"worker -Q {','.join(settings.WORKER_QUEUES)} " in makefile
