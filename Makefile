# Two entry points: `make run` starts the product, `make test` checks it. Both set up .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install postgres

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
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

test: $(STAMP) $(CHROMIUM) $(NGINX) postgres lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/store_bench.py
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/ui_bench.py
	$(BIN)/python bench/rush_bench.py
	$(BIN)/python bench/attack_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
