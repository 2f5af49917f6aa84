# Roundtable: everyday commands. `make run` starts a working site on a bare machine (SQLite,
# filesystem broker, e-mail to var/mail/); set DATABASE_URL / REDIS_URL to use PostgreSQL / Redis.

VENV ?= .venv
PYTHON ?= python3.11
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install lock run worker test lint format messages bench bench-quick loadtest screenshots

help:
	@echo "make install   create $(VENV) with $(PYTHON) and install the locked packages (requirements/dev.txt)"
	@echo "make lock      write requirements/base.txt and dev.txt again from pyproject.toml"
	@echo "make run       migrate, load demo data, start worker+beat and runserver on 127.0.0.1:$(PORT)"
	@echo "make worker    only the Celery worker with embedded beat"
	@echo "make test      formatting, lint, missing migrations, then pytest (PYTEST_ARGS=...)"
	@echo "make lint      ruff format --check and ruff check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make messages  update and compile the zh_Hans, ja and ko translations"
	@echo "make bench     bench/run.py (BENCH_ARGS=...)"
	@echo "make loadtest  gunicorn + worker on PostgreSQL and Redis under Locust (bench/loadtest/)"
	@echo "make screenshots  the README's screenshots, from the demo data in Chromium (docs/screenshots.py)"

install: $(STAMP)

# Every package at the version and with the hashes in the lock file (requirements/dev.txt:
# what requirements/base.txt holds for production, plus the test tools), then the project
# itself in place without resolving anything again. Re-installs only when a lock changed.
$(STAMP): requirements/dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	touch $@

# Write the lock files again from pyproject.toml's direct dependencies (after changing a pin).
lock: install
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file requirements/base.txt pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --extra dev --output-file requirements/dev.txt pyproject.toml

run: install
	VENV=$(VENV) PORT=$(PORT) bin/run

worker: install
	$(BIN)/celery -A roundtable worker -B --concurrency=1 --loglevel=info

test: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The same makemessages call that tests/test_translations.py asks for.
messages: install
	mkdir -p locale
	$(PY) manage.py makemessages -l zh_Hans -l ja -l ko --ignore=.venv --ignore=var \
		--ignore=bench --ignore=tests --no-location
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

# The ledger pages and export (bench/run.py builds and keeps the 10k and 100k databases),
# then the daily reminder run on those databases, the enterprise directory and meeting page,
# and the chair's dashboard and quarterly workbook. `make bench-quick` is a smoke test.
# The one setting of the benchmarks' databases (bench/databases.py): each size gets
# <name>_<size>; run.py builds them, the other scripts reuse them.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/roundtable_bench
export BENCH_PG

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
	for n in 10000 100000; do \
	  SQLITE_PATH=bench/out/db/bench-$$n.sqlite3 $(PY) bench/reminders.py \
	    --json bench/out/reminders-sqlite-$$n.json; \
	done
	DATABASE_URL=$(BENCH_PG)_100000 $(PY) bench/reminders.py --json bench/out/reminders-postgres.json
	$(PY) bench/meetings.py --keep-db
	$(PY) bench/dashboard.py --keep-db

bench-quick: install
	$(PY) bench/run.py --quick
	$(PY) bench/meetings.py --quick --keep-db

# gunicorn (deploy/gunicorn.conf.py) and a Celery worker on PostgreSQL and Redis, driven by
# Locust for a bounded time; the report goes to bench/out/loadtest/. See bench/loadtest/README.md.
# LOADTEST_ARGS="--with-exports 10" keeps ten full-ledger exports running throughout.
LOADTEST_USERS ?= 50
LOADTEST_TIME ?= 5m
LOADTEST_ISSUES ?= 100000
LOADTEST_ARGS ?=

loadtest: install
	$(PY) bench/loadtest/run.py --users $(LOADTEST_USERS) --time $(LOADTEST_TIME) \
		--issues $(LOADTEST_ISSUES) $(LOADTEST_ARGS)

# The README's screenshots: each role's home page and the issue page, in English and Chinese,
# taken in Chromium from a throw-away demo site (docs/screenshots.py).
screenshots: install
	$(PY) docs/screenshots.py
