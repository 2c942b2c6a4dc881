# SSM Outcomes — every target documents itself: `make help`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PATIENTS ?= 200
# How many processes `make test` runs the suite in (pytest-xdist): TEST_PROCESSES=1 for one.
TEST_PROCESSES ?= 2

.DEFAULT_GOAL := help
# The translations (locale/<language>/LC_MESSAGES/django.po) and what they compile to (.mo,
# build products: not committed). `make messages` brings the catalogues up to date.
MESSAGE_LOCALES := nl nl_BE
MESSAGES_IGNORE := --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=docs \
	--ignore=benchmarks
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help install run test lint format fuzz bench bench-quick worker beat migrate demo demo-code screenshots clean \
	messages compilemessages

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) $(MO_FILES) ## Create the virtual environment and install dependencies, compile translations

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install GNU gettext" \
		"(apt install gettext, brew install gettext)" >&2; exit 1; }
	msgfmt --check-format -o $@ $<

compilemessages: $(MO_FILES) ## Compile the translations (make install does it too)

messages: install ## Update the translation catalogues from the code (then translate, see README)
	$(PY) manage.py makemessages --no-location --no-obsolete $(MESSAGES_IGNORE) \
		$(foreach locale,$(MESSAGE_LOCALES),--locale=$(locale))
	@$(MAKE) --no-print-directory compilemessages

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo cohort when the database has none
	DEBUG=1 $(PY) manage.py seed_demo --patients $(DEMO_PATIENTS) --if-empty

run: demo ## Run the app on http://127.0.0.1:8000 with demo data and demo logins
	@echo ""
	@echo "  SSM Outcomes is starting at http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: $${DEMO_PASSWORD:-ssm-demo}):"
	@echo "    demo-clinician   a clinician: caseload, patient records, encounters"
	@echo "    demo-patient     a patient: the portal"
	@echo "    demo-manager     a service manager of two practices: team dashboards, comparison"
	@echo "    demo-admin       an administrator: the admin site at /admin/ (two-step sign-in is"
	@echo "                     required and already set up: in another terminal, run"
	@echo "                     'make demo-code' for the 6-digit code its app would show)"
	@echo "    demo-patient-nl  a patient who reads the portal in Dutch"
	@echo "    demo-network     a network lead of all six teams: the comparison of teams"
	@echo ""
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole test suite (in TEST_PROCESSES processes, default 2)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadgroup --no-loadscope-reorder

lint: install ## Lint, check formatting and types, the import ladder, and migrations in sync
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy ssm_outcomes patients assessments indicators accounts clinic portal interop demo
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: install ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

fuzz: install ## Explore the property and API fuzz tests with fresh random examples
	HYPOTHESIS_PROFILE=explore $(PY) -m pytest -p no:randomly tests/api/test_schema_fuzz.py \
		tests/indicators/test_scoring.py tests/indicators/test_summary_matches_scoring.py \
		tests/indicators/test_presentation.py tests/indicators/test_withheld_reasons.py \
		tests/assessments/test_instruments.py

bench: migrate ## Run the benchmarks and print their figures
	$(PY) -m benchmarks.run_all

bench-quick: migrate ## Run every benchmark at a tenth of its size, to check they work
	$(PY) -m benchmarks.run_all --quick

demo-code: install ## Print demo-admin's current two-step code (WHO=username for another; DEBUG only)
	@DEBUG=1 $(PY) manage.py two_step_code $(or $(WHO),demo-admin)

screenshots: install ## Regenerate the README screenshots (needs Debian's chromium)
	$(PY) docs/screenshots/make_screenshots.py

worker: install ## Start a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A ssm_outcomes worker -Q celery,groups,summaries --loglevel=INFO

beat: install ## Start Celery beat, the scheduler of the summary jobs (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A ssm_outcomes beat --loglevel=INFO

clean: ## Remove the virtual environment and the local SQLite database
	rm -rf $(VENV) db.sqlite3 staticfiles $(MO_FILES)
