# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
# One pytest worker per core: each has its own SQLite files, PostgreSQL database and ports.
PYTEST_WORKERS ?= auto
# An independent FHIR validator (Medplum's, under node) that the tests run over every export.
FHIR_VALIDATOR := tests/fhir_validator
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app clinic

# Catalogues (docs/i18n.md): messages.pot is extracted from the code, each language's .po is
# updated from it by `make messages`; the .mo files the app reads are compiled, never committed.
PYBABEL := $(BIN)/pybabel
TRANSLATIONS := clinic/translations
CATALOGUES := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lint bench clean pot messages compile

run: $(VENV)/.installed compile
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@# The worker runs beside the web server and stops with it (Ctrl-C or the server exiting).
	$(FLASK) jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-dev $(FHIR_VALIDATOR)/node_modules/.installed compile
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive clinic --severity-level medium
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	$(BIN)/mypy clinic

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive clinic --severity-level medium
	$(BIN)/lint-imports
	$(BIN)/mypy clinic

# `make pot POT=elsewhere.pot` extracts without touching the catalogues (tests/i18n does).
POT ?= $(TRANSLATIONS)/messages.pot

pot:
	$(PYBABEL) --quiet extract --mapping-file babel.cfg --no-location --sort-output \
		--project Tandem --copyright-holder "Tandem contributors" \
		--keywords _l --keywords lazy_gettext --keywords lazy_pgettext:1c,2 \
		--keywords lazy_ngettext:1,2 --output-file $(POT) clinic

messages: $(VENV)/.installed pot
	$(PYBABEL) --quiet update --no-fuzzy-matching --ignore-obsolete \
		--input-file $(TRANSLATIONS)/messages.pot --output-dir $(TRANSLATIONS)

compile: $(COMPILED)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) --quiet compile --input-file $< --output-file $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

$(FHIR_VALIDATOR)/node_modules/.installed: $(FHIR_VALIDATOR)/package.json $(FHIR_VALIDATOR)/package-lock.json
	npm ci --prefix $(FHIR_VALIDATOR) --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) $(FHIR_VALIDATOR)/node_modules .pytest_cache .ruff_cache .mypy_cache .hypothesis
