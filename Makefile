# Two commands on a fresh machine: `make run` (the app) and `make test` (every test layer).
# Both create .venv and install the pinned requirements when they are missing or changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint format bench browser clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

# Debian's chromium (and an emoji font for honest screenshots) for the browser tests:
# installed when missing and we are root, else explained.
BROWSER_PACKAGES := chromium fonts-noto-color-emoji fonts-noto-cjk
browser:
	@if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	else \
		echo "chromium is missing: run 'sudo apt-get install $(BROWSER_PACKAGES)' for the browser" \
		     "tests (they are skipped without it, unless REQUIRE_BROWSER=1)."; \
	fi

test: $(VENV)/.dev browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest tests

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .ruff_cache .hypothesis
