# Stride: `make run` runs the product on SQLite with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app server
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= $(STRIDE_TEST_DATABASE_URL)

.PHONY: install run app screenshots figure-screenshots sweep serve-prod bench-api test test-sqlite test-postgres lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,postgres,mobile]"
	touch $(STAMP)

install: $(STAMP)

# Migrate the instance database, load protocols, seed demo data, start API + scheduler.
run: install
	$(FLASK) db upgrade
	$(FLASK) protocols load
	$(FLASK) demo seed
	$(PY) -m server.launch

# The app alone, against a running server (default: the one `make run` started).
app: install
	$(PY) -m mobile --server $${STRIDE_SERVER:-http://127.0.0.1:5000}

# PNGs of every screen at phone (420x860), small phone (360x640) and tablet (1024x768) size in
# docs/screenshots/{phone,small,tablet}/ (needs Xvfb); `make screenshots SIZES=tablet` for one.
# Without SIZES also the exercise screen at moments of a hold, one protocol a folder, in
# docs/screenshots/figures/ (`make figure-screenshots` for those alone).
screenshots: install
	$(PY) -m tools.screenshots $(SIZES)
	$(if $(SIZES),,$(PY) -m tools.figure_shots)

figure-screenshots: install
	$(PY) -m tools.figure_shots

test: test-sqlite test-postgres

test-sqlite: install
	$(PY) -m pytest -q

# The database-backed suites again on PostgreSQL when STRIDE_TEST_DATABASE_URL is set.
test-postgres: install
	@if [ -n "$(PG_TEST_URL)" ]; then \
		echo "== PostgreSQL: $(PG_TEST_URL)"; \
		STRIDE_TEST_BACKEND=postgres STRIDE_TEST_DATABASE_URL="$(PG_TEST_URL)" \
			$(PY) -m pytest -q tests/api tests/integration; \
	else \
		echo "== PostgreSQL run skipped: STRIDE_TEST_DATABASE_URL is not set"; \
	fi

sweep: install
	$(FLASK) sweep run

# Production-style: gunicorn (STRIDE_WORKERS, default 2 x cores) plus the one scheduler process,
# on the instance SQLite or DATABASE_URL (docs/deploy.md). Ctrl-C stops both.
serve-prod: install
	$(FLASK) db upgrade
	$(FLASK) protocols load
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(VENV)/bin/gunicorn -c server/gunicorn_conf.py

# Requests/s of the health ceiling, schedule reads and sync pushes on loopback (bench/api.py).
bench-api: install
	$(PY) bench/api.py

lint: install
	$(VENV)/bin/ruff check domain server mobile tools tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
