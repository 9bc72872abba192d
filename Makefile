# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/stegvis.db

.PHONY: install run test demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## .venv with the package and its test extras

$(DB): | $(STAMP)
	$(BIN)/stegvis demo --db $(DB)

demo: $(STAMP)  ## (re)fill the demo data; idempotent
	$(BIN)/stegvis demo --db $(DB)

run: $(STAMP) $(DB)  ## install, create demo data if missing, upgrade it if needed, start the app
	$(BIN)/stegvis migrate --db $(DB)
	$(BIN)/stegvis serve --db $(DB)

test: $(STAMP)  ## the layers (docs/architecture.md), then the whole suite, browser tests included when chromium is installed
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
