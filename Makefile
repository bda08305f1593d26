# Phản ánh hiện trường — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
export PHANANH_DATABASE_URL ?= sqlite+aiosqlite:///var/phananh.db

.PHONY: run test install lock lint migrate seed bench clean

# Dependencies come from the lock file only (exact versions, PyPI's sha256 hashes); the project itself goes on top.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; \
		echo "requirements.lock does not cover pyproject.toml: run make lock" >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

## make lock: rewrite requirements.lock from pyproject.toml (keeps current pins; `make lock UPGRADE=1` takes the newest)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet 'uv>=0.9,<1'
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
		--index-url https://pypi.org/simple --custom-compile-command "make lock" --quiet $(if $(UPGRADE),--upgrade) -o $(LOCK)

migrate: install
	$(BIN)/phananh migrate

seed: migrate
	$(BIN)/phananh seed-demo

## make run: install, create the SQLite database with Cà Mau demo data, serve on http://127.0.0.1:8000
run: seed
	bash scripts/install-system.sh  # Debian's ffmpeg: ffprobe checks uploaded videos
	$(BIN)/phananh serve --host 127.0.0.1 --port 8000

## make test: install, the linter and the type checker, then the whole suite (SQLite and PostgreSQL)
test: install
	bash scripts/install-browser.sh  # Debian's chromium for the browser tests (tests/web)
	bash scripts/install-system.sh  # Debian's ffmpeg: ffprobe checks uploaded videos (tests/security)
	$(BIN)/ruff check src tests  # the linter (pyproject.toml)
	$(BIN)/mypy  # the types (pyproject.toml [tool.mypy]: src/phananh, stricter on workflow/ and sla/); 0 errors
	$(BIN)/python -m pytest -q

## make lint: ruff (style, imports, likely bugs) and mypy (types; stricter on workflow/ and sla/), as configured in pyproject.toml
lint: install
	$(BIN)/ruff check src tests
	$(BIN)/mypy

## make bench: every benchmark, one table of figures and ratios (a few minutes; needs PostgreSQL and wrk)
bench: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python bench/run.py

clean:
	rm -rf var/phananh.db* var/media
