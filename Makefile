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
.PHONY: help install run worker test lint format messages bench bench-quick

help:
	@echo "make install   create $(VENV) with $(PYTHON) and install the project with its dev extras"
	@echo "make run       migrate, load demo data, start worker+beat and runserver on 127.0.0.1:$(PORT)"
	@echo "make worker    only the Celery worker with embedded beat"
	@echo "make test      formatting, lint, missing migrations, then pytest (PYTEST_ARGS=...)"
	@echo "make lint      ruff format --check and ruff check"
	@echo "make format    ruff format and ruff check --fix"
	@echo "make messages  update and compile the zh_Hans translations"
	@echo "make bench     bench/run.py (BENCH_ARGS=...)"

install: $(STAMP)

# Re-installs only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e ".[dev]"
	touch $@

run: install
	VENV=$(VENV) PORT=$(PORT) bin/run

worker: install
	$(BIN)/celery -A roundtable worker -B --concurrency=1 --loglevel=info

test: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The same makemessages call that tests/test_translations.py asks for.
messages: install
	mkdir -p locale
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
		--ignore=bench --ignore=tests --no-location
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

# The ledger pages and export (bench/run.py builds and keeps the 10k and 100k databases),
# then the daily reminder run on those databases, the enterprise directory and meeting page,
# and the chair's dashboard and quarterly workbook. `make bench-quick` is a smoke test.
BENCH_PG ?= postgres://postgres@127.0.0.1:5432/roundtable_bench

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
	for n in 10000 100000; do \
	  SQLITE_PATH=bench/out/bench-$$n.sqlite3 $(PY) bench/reminders.py \
	    --json bench/out/reminders-sqlite-$$n.json; \
	done
	# run.py leaves the PostgreSQL database at its last (largest) size.
	DATABASE_URL=$(BENCH_PG) $(PY) bench/reminders.py --json bench/out/reminders-postgres.json
	$(PY) bench/meetings.py
	$(PY) bench/dashboard.py

bench-quick: install
	$(PY) bench/run.py --quick
	$(PY) bench/meetings.py --quick
