# Phản ánh hiện trường — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PHANANH_DATABASE_URL ?= sqlite+aiosqlite:///var/phananh.db

.PHONY: run test install migrate seed bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/phananh migrate

seed: migrate
	$(BIN)/phananh seed-demo

## make run: install, create the SQLite database with Cà Mau demo data, serve on http://127.0.0.1:8000
run: seed
	$(BIN)/phananh serve --host 127.0.0.1 --port 8000

## make test: install, then the whole suite (SQLite and PostgreSQL)
test: install
	bash scripts/install-browser.sh  # Debian's chromium for the browser tests (tests/web)
	$(BIN)/python -m pytest -q

## make bench: every benchmark, one table of figures and ratios (a few minutes; needs PostgreSQL and wrk)
bench: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py

clean:
	rm -rf var/phananh.db* var/media
