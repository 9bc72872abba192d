# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= data/stegvis.db

.PHONY: install run test demo clean texts

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

texts: $(STAMP)  ## every catalogue key in the source into both .po files (docs/texts.md)
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k t -k N_ -k Message --no-location --sort-output \
		-o build/stegvis.pot foundation surveys indicators stegvis dashboards streamlit_app.py
	$(BIN)/pybabel update -i build/stegvis.pot -d foundation/locale -D stegvis --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date -w 100

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
