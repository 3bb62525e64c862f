# Jointly — `make run` serves the app with the demo loaded; `make test` runs the whole suite;
# `make bench` runs the benchmarks (ONLY=history runs one item; see README, Performance).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 5000
WEB_CONCURRENCY ?= 2
THREADS ?= 4

export FLASK_APP := wsgi

.PHONY: run test bench lint lock outdated clean-venv

# The application's own code: linted with ruff's security rules (S) and scanned by bandit; the
# tests, benchmarks and tools are linted by ruff too (with the exceptions in pyproject.toml).
LINT_PATHS := app config.py wsgi.py migrations/env.py

# Quiet by default (a newcomer's first `make run` ends with the address and the logins);
# `make run V=1` or LOG_LEVEL=INFO/DEBUG brings back pip's, Alembic's and the demo's detail.
export PIP_DISABLE_PIP_VERSION_CHECK := 1
QUIET := $(if $(V),,--quiet)
SETUP_LOG_LEVEL := $(or $(LOG_LEVEL),$(if $(V),INFO,WARNING))

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Jointly needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	@echo "Creating $(VENV) (first run only)…"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install $(QUIET) --upgrade pip
	@touch $@

$(VENV)/.runtime-installed: $(VENV)/.python-ok requirements.txt constraints.txt
	@echo "Installing the pinned dependencies into $(VENV)…"
	@$(PIP) install $(QUIET) -r requirements.txt -c constraints.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt constraints.txt
	@echo "Installing the test and lint dependencies into $(VENV)…"
	@$(PIP) install $(QUIET) -r requirements-dev.txt -c constraints.txt
	@touch $@

# Links in emails point at the address served here (HOST and PORT) unless APP_BASE_URL says otherwise.
# The web server and a worker (PDFs, mail, reminders) both come from the Procfile, under honcho.
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: export WEB_CONCURRENCY := $(WEB_CONCURRENCY)
run: export THREADS := $(THREADS)
run: export GUNICORN_LOG_LEVEL := $(if $(V),info,warning)
run: export WORKER_FLAGS := $(if $(V),--verbose)
run: $(VENV)/.runtime-installed
	@LOG_LEVEL=$(SETUP_LOG_LEVEL) $(VENV)/bin/flask db upgrade
	@echo "Database ready."
	@LOG_LEVEL=$(SETUP_LOG_LEVEL) $(VENV)/bin/flask demo --if-empty $(if $(V),--verbose)
	@echo ""
	@echo "  Jointly is starting at http://$(HOST):$(PORT) with a worker beside it  (Ctrl+C stops both)"
	@echo ""
	@# honcho gives each process its own PORT (the worker's is PORT+100), so the address the
	@# worker's email links point at is fixed here: the web server's, unless APP_BASE_URL is set.
	@APP_BASE_URL="$${APP_BASE_URL:-$$($(PY) -c 'import config; print(config.served_address())')}" \
		$(VENV)/bin/honcho start --no-colour --procfile Procfile --port $(PORT)

test: $(VENV)/.dev-installed
	$(PY) tools/run_tests.py $(PYTEST_ARGS)

# Not part of `make test`: needs PostgreSQL and wrk, takes minutes, and asserts nothing.
bench: $(VENV)/.dev-installed
	$(PY) bench/run.py $(if $(ONLY),--only $(ONLY))

# Fails on any finding. Justified exceptions are marked inline (# noqa: Sxxx / # nosec Bxxx,
# each with its reason) and listed in the README. lint-imports checks the import contracts
# in pyproject.toml (features depend downward only, with no import ignored).
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check $(LINT_PATHS) tests bench tools
	$(VENV)/bin/bandit --quiet --recursive $(filter-out migrations/env.py,$(LINT_PATHS))
	$(VENV)/bin/lint-imports --no-cache

# Re-pin every transitive dependency after changing requirements*.txt.
lock: $(VENV)/.python-ok
	$(PIP) install --quiet -r requirements-dev.txt
	@{ echo "# Every package the app and its tests install, pinned (pip freeze of requirements-dev.txt)."; \
	   echo "# Regenerate with: make lock"; $(PIP) freeze --exclude pip; } > constraints.txt

# Pins that have a newer release on the package index (OUTDATED_ARGS=--strict fails on direct ones).
outdated: $(VENV)/.dev-installed
	$(PY) tools/outdated.py $(OUTDATED_ARGS)

clean-venv:
	rm -rf $(VENV)
