# OpenTXNG — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= $(shell nproc)
export TXNG_DATA_DIR ?= $(CURDIR)/var
PG_URL ?= postgresql://postgres@127.0.0.1:5432/txng

.PHONY: run test venv install messages migrate demo serve lint typecheck browser test-sqlite test-postgres bench clean

$(BIN)/txng: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv install: $(BIN)/txng

messages: $(BIN)/txng
	@cd src/txng && ../../$(BIN)/django-admin compilemessages --ignore=.venv -v 0

migrate: messages
	$(BIN)/txng migrate --noinput -v 0
	$(BIN)/txng collectstatic --noinput -v 0

demo: migrate
	$(BIN)/txng demo-data

# Serves in the foreground on 127.0.0.1:$(PORT) with a production server (granian), plus the task worker
# and the transparency ledger's checkpoint loop (scripts/serve).
run: demo
	@echo "OpenTXNG: http://127.0.0.1:$(PORT)/  (back office: /admin/, API docs: /api/docs)"
	BIN=$(BIN) PORT=$(PORT) WORKERS=$(WORKERS) exec scripts/serve

lint: $(BIN)/txng
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench

typecheck: $(BIN)/txng
	$(BIN)/mypy

# Browser tests drive Debian's chromium, the report tests read PDFs with poppler's pdftotext/pdftoppm;
# install them when missing (root on the dev and CI machines).
browser:
	@{ test -x /usr/bin/chromium && test -x /usr/bin/pdftotext; } || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) || \
		echo "chromium/poppler-utils not installed: browser and PDF tests will be skipped"; }

test-sqlite: messages browser
	$(BIN)/txng makemigrations --check --dry-run -v 1
	$(BIN)/pytest -q -p no:cacheprovider

test-postgres: messages
	@bash .ci/services postgresql
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='txng'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE txng"
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck test-sqlite test-postgres

bench: migrate
	$(BIN)/python bench/registry.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/registry.py
	$(BIN)/python bench/hashing.py
	$(BIN)/python bench/epcis.py --workers $(WORKERS)
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/epcis.py --workers $(WORKERS)
	$(BIN)/python bench/lineage.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/lineage.py
	$(BIN)/python bench/codes.py
	$(BIN)/python bench/codes.py resolver
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/codes.py resolver
	$(BIN)/python bench/public.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/public.py
	$(BIN)/python bench/agency.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/agency.py
	$(BIN)/python bench/portal.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/portal.py
	@bash .ci/services mosquitto
	$(BIN)/python bench/iot.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/iot.py
	$(BIN)/python bench/ledger.py
	TXNG_DATABASE_URL=$(PG_URL) $(BIN)/python bench/ledger.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
