"""gunicorn's settings for this app: ``gunicorn -c ssm_outcomes/gunicorn_conf.py``, as the
Dockerfile, docker-compose.yml and the benchmarks start it (a file path, read before gunicorn puts
the working directory on the import path; the logger class is imported after).

Access-log and error-log lines go through `RedactingGunicornLogger`, so the token of an
invitation, password-reset or two-step enrolment link never reaches a log. The bind address,
workers and whether there is an access log at all stay on each command line.
"""

logger_class = "ssm_outcomes.log_redaction.RedactingGunicornLogger"
