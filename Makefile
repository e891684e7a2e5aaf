# Laurel: `make run` serves on http://127.0.0.1:$(PORT); `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test bench lint migrate install clean oidc-provider messages

#: Debian packages the app loads: Pango for WeasyPrint (certificate PDFs); Noto fonts and
#: FriBiDi (Pillow's libraqm) for the social preview image in every script (app/web/preview.py).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk libfribidi0

$(STAMP): pyproject.toml
	dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null) || \
	  echo "warning: install $(SYSTEM_PACKAGES) (apt) for PDF certificates"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/laurel migrate

run: migrate
	$(BIN)/laurel serve --host $(HOST) --port $(PORT)

#: pytest-xdist workers, one per CPU (at most 4: each has its own PostgreSQL database and Redis
#: db, tests/databases.py); `make test PYTEST_WORKERS=0` runs the suite in one process.
PYTEST_WORKERS ?= logical
test: $(STAMP) oidc-provider
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4 $(PYTEST_ARGS)

# The learner pages' Node.js test tools (tests/accounts/oidc_provider: an OpenID Connect
# provider, axe-core): their locked packages. Without npm the sign-in tests skip (in CI they fail: .ci/run installs it).
OIDC_PROVIDER := tests/accounts/oidc_provider
OIDC_STAMP := $(OIDC_PROVIDER)/node_modules/.installed
$(OIDC_STAMP): $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $(OIDC_STAMP)

oidc-provider:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(OIDC_STAMP); \
	else echo "npm not found: the OIDC sign-in tests will skip"; fi

# Every benchmark (benchmarks/__main__.py), or some: `make bench BENCH="yardstick wire_speed"`.
# PostgreSQL figures need BENCH_DATABASE_URL (a throwaway database; README "Benchmarks").
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	$(BIN)/mypy app
	$(BIN)/lint-imports

# Translations: extract marked strings (templates and app/), update every catalog, compile the
# .mo files (committed: a fresh clone serves every language). New language: pybabel init.
LOCALES := app/web/locales
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output \
		--project=Laurel --copyright-holder="Laurel contributors" -o $(LOCALES)/messages.pot .
	$(BIN)/pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/pybabel compile --statistics -d $(LOCALES)

clean:
	rm -rf $(VENV) *.db test-artifacts $(OIDC_PROVIDER)/node_modules
