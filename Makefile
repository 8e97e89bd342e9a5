# KAC kiosk — the two commands a newcomer needs:
#   make demo   set everything up and start the kiosk demo
#   make test   set everything up and run the whole test suite
# Both work on a fresh Debian 12 / Ubuntu with python3, venv, pip, git and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The demo needs the kiosk and the gateway it runs in-process (the `demo` extra); tests, the
# checks and the benches take everything (the `test` extra, which includes the gateway's libraries).
DEMO_STAMP := $(VENV)/.installed-demo

# Debian packages the kiosk needs at run time (Kivy's wheel brings SDL2; it needs GL/EGL from Mesa)
# and those the tests need besides (PostgreSQL for the gateway tests, run by pg_virtualenv).
DEB_RUN  := libgl1 libegl1 libgl1-mesa-dri libmtdev1
# systemd and cage: the deploy test runs `systemd-analyze verify` on deploy/*.service, which checks
# that cage (the kiosk unit's ExecStart) is installed.
# chromium and chromium-driver: tests/browser drive the gateway's /admin/ page in a real browser.
DEB_TEST := $(DEB_RUN) postgresql postgresql-common systemd cage chromium chromium-driver

.PHONY: demo test check setup openapi system-run system-test gallery bench clean

demo: system-run $(DEMO_STAMP)
	$(BIN)/kiosk run

test: system-test $(STAMP)
	$(if $(shell command -v pg_virtualenv),pg_virtualenv -o shared_buffers=32MB) \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

# The house's static checks (docs/architecture.md, "Layers"): layer contracts, lint, types.
check: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: system-test $(STAMP)

# The API's document, checked in as docs/openapi.json; tests/gateway/test_openapi_checked_in.py
# fails until it is written again after a change of the wire (docs/architecture.md, "API rules").
openapi: $(STAMP)
	$(BIN)/python -m gateway.openapi_document --out docs/openapi.json

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e ".[demo]"
	touch $@

system-run:
	@./scripts/apt-ensure $(DEB_RUN)

system-test:
	@./scripts/apt-ensure $(DEB_TEST)

gallery: system-run $(DEMO_STAMP)
	$(BIN)/kiosk gallery --out out/gallery

# Under a throw-away PostgreSQL (pg_virtualenv) like the tests: the gateway load and import
# benches measure PostgreSQL (docs/architecture.md, "Operations").
bench: system-test $(STAMP)
	@$(if $(shell command -v pg_virtualenv),pg_virtualenv -o shared_buffers=64MB -o max_connections=200) \
	  sh -c 'for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done'

clean:
	rm -rf $(VENV) build *.egg-info tests/_artifacts out
