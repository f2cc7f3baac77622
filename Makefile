# The two commands a newcomer needs are `make demo` and `make test`; everything else is plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
CATALOGS_PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
CATALOGS_MO := $(CATALOGS_PO:.po=.mo)

.PHONY: demo test lint catalogs extract update-catalogs bench clean web-assets

$(VENV)/.stamp-base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base pyproject.toml
	$(PIP) install -e '.[test]'
	touch $@

# Scripts and styles of the web map and desk, from the npm registry (package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

web-assets: node_modules/.package-lock.json

# The browser tests drive Debian's Chromium; installed here when the machine lacks it.
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@echo "make: installing Chromium for the browser tests (Debian package chromium)" >&2
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium \
	  || ($(if $(filter 0,$(shell id -u)),,sudo) apt-get update \
	      && $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium)

# Compiled catalogs are build products: made from the .po files whenever those change.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.stamp-base
	@$(PY) -m babel.messages.frontend compile -d locales -D messages -l $* --statistics

catalogs: $(CATALOGS_MO)

# The demo serves the map and the desk on this port beside the console chat.
DEMO_WEB_PORT ?= 8765

demo: $(VENV)/.stamp-base catalogs web-assets
	$(PY) -m bot db migrate
	$(PY) -m bot places import data/dortmund/places-sample.csv
	$(PY) -m bot events import data/dortmund/events-sample.ics
	NACHBARBOT_WEB__PORT=$${NACHBARBOT_WEB__PORT:-$(DEMO_WEB_PORT)} $(PY) -m bot console

# pytest exits 5 when it collected nothing; that is neither a pass nor an ordinary failure,
# so it is reported as its own error instead of being mistaken for either.
test: $(VENV)/.stamp-test catalogs web-assets $(CHROMIUM)
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - treating as failure" >&2; exit 1; fi; \
	exit $$rc

lint: $(VENV)/.stamp-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy bot handlers db locales

extract: $(VENV)/.stamp-base
	$(PY) -m babel.messages.frontend extract -F babel.cfg -k _ -k N_ -k t -k tn:1,2 -k ngettext:1,2 -k pgettext:1c,2 \
	  --no-location --sort-output --project nachbarbot -o locales/messages.pot .

update-catalogs: extract
	$(PY) -m babel.messages.frontend update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(PY) -m locales fill-source

bench: $(VENV)/.stamp-test catalogs web-assets $(CHROMIUM)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info node_modules
	find locales -name '*.mo' -delete
