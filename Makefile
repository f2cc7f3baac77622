# The two commands a newcomer needs are `make demo` and `make test`; everything else is plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
CATALOGS_PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
CATALOGS_MO := $(CATALOGS_PO:.po=.mo)

.PHONY: demo test lint catalogs extract update-catalogs bench clean

$(VENV)/.stamp-base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base pyproject.toml
	$(PIP) install -e '.[test]'
	touch $@

# Compiled catalogs are build products: made from the .po files whenever those change.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.stamp-base
	@$(PY) -m babel.messages.frontend compile -d locales -D messages -l $* --statistics

catalogs: $(CATALOGS_MO)

demo: $(VENV)/.stamp-base catalogs
	$(PY) -m bot db migrate
	$(PY) -m bot places import data/dortmund/places-sample.csv
	$(PY) -m bot events import data/dortmund/events-sample.ics
	$(PY) -m bot console

# pytest exits 5 when it collected nothing; that is neither a pass nor an ordinary failure,
# so it is reported as its own error instead of being mistaken for either.
test: $(VENV)/.stamp-test catalogs
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

bench: $(VENV)/.stamp-test catalogs
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
	find locales -name '*.mo' -delete
