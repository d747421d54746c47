# LEAP: `make run` serves the demo; `make test` checks the import layers and runs the whole suite. Both set
# everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench load setup migrate demo totp lint clean screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("LEAP needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving LEAP on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

totp: setup
	$(PY) manage.py demo_totp

test: setup
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# The bench runs on PostgreSQL and Redis when they answer on 127.0.0.1 (the production shape, which the targets are
# about), else on SQLite and the in-process cache; DATABASE_URL / REDIS_URL choose other servers. The big lists are
# measured on SQLite too.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14

bench: setup
	@if [ -z "$$DATABASE_URL" ] && $(PY) -c 'import psycopg2; psycopg2.connect("$(BENCH_DATABASE_URL)").close()' 2>/dev/null; then \
		export DATABASE_URL="$(BENCH_DATABASE_URL)"; \
		if [ -z "$$REDIS_URL" ] && $(PY) -c 'import redis; redis.Redis.from_url("$(BENCH_REDIS_URL)").ping()' 2>/dev/null; then \
			export REDIS_URL="$(BENCH_REDIS_URL)"; fi; \
	else echo "bench: PostgreSQL is not reachable at $(BENCH_DATABASE_URL): measuring on SQLite" >&2; fi; \
	$(PY) -m tests.bench.run
	env -u DATABASE_URL -u REDIS_URL $(PY) -m tests.bench.run caseload queue

# 50 signed-in people for 60 s against gunicorn, PostgreSQL, Redis and a Celery worker on this machine (locust).
# DATABASE_URL names the PostgreSQL server, REDIS_URL the Redis database (emptied); LEAP_LOAD_USERS, _SECONDS.
load: setup
	$(PY) -m tests.load.run

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var/test.sqlite3

screenshots: setup
	$(PY) -m tests.screenshots
