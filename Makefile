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
.PHONY: help install run worker test lint format messages bench

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

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
