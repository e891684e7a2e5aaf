# Laurel: `make run` serves on http://127.0.0.1:$(PORT); `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test bench lint migrate install clean oidc-provider

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/laurel migrate

run: migrate
	$(BIN)/laurel serve --host $(HOST) --port $(PORT)

test: $(STAMP) oidc-provider
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The sign-in tests' OpenID Connect provider (Node.js, tests/accounts/oidc_provider): its
# locked packages. Without npm the sign-in tests skip (in CI they fail: .ci/run installs it).
OIDC_PROVIDER := tests/accounts/oidc_provider
oidc-provider:
	@if command -v npm >/dev/null 2>&1; then \
	  test -d $(OIDC_PROVIDER)/node_modules/oidc-provider \
	  || (cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error); \
	else echo "npm not found: the OIDC sign-in tests will skip"; fi

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	$(BIN)/mypy app
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) *.db test-artifacts $(OIDC_PROVIDER)/node_modules
