# Two commands for a fresh machine: `make run` (the product on SQLite + demo city)
# and `make test` (the whole suite on SQLite and a real PostgreSQL server).
PY_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check lint bench install db system-deps migration

$(STAMP): requirements.txt
	test -x $(PY) || $(PY_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

db: install
	$(PY) -m data init
	PAOBAN_DEMO_MODE=1 $(PY) -m data demo --if-empty

run: db
	bash scripts/run.sh

system-deps:
	bash scripts/install_system_deps.sh

test: install system-deps
	PAOBAN_TEST_PG_URL=$$(bash scripts/pg_test_server.sh) \
	PAOBAN_REQUIRE_PG=$${PAOBAN_REQUIRE_PG:-$$( [ -n "$$CI" ] && echo 1 || echo 0 )} \
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# The edit-test loop: lint, format check and the fast tests (no PostgreSQL, no browser).
check: lint
	$(PY) -m pytest -n 2 -q -m "not postgresql and not browser and not slow" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install system-deps
	PAOBAN_BENCH_PG_URL=$$(bash scripts/pg_test_server.sh) $(PY) -m bench

# Pre-release only: rebuild the single initial migration from the models.
migration: install
	rm -f data/migrations/versions/0001_initial_schema.py
	$(PY) -c "import tempfile; from data.db import make_engine; from data.migrate import autogenerate; autogenerate(make_engine('sqlite:///' + tempfile.mkdtemp() + '/m.db'), 'initial schema', '0001')"
