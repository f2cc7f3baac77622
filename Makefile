# The two commands a newcomer needs are `make demo` and `make test`; everything else is plumbing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# The packages are installed by uv (from PyPI, its files unpacked in parallel): a clean
# clone's 150 packages took pip 70-130 s of its CI, uv 15-25 s, the same versions. pip
# puts uv into the environment first; where uv cannot run (or reach PyPI), pip installs
# them itself. $(1): what to install (uv compiles nothing, as pip's --no-compile; it trusts
# the system's certificates, as pip here does).
INSTALL = { $(PIP) install 'uv>=0.5' \
	  && $(VENV)/bin/uv pip install -q --native-tls --python $(PY) $(1); } \
	|| $(PIP) install --no-compile $(1)
CATALOGS_PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
CATALOGS_MO := $(CATALOGS_PO:.po=.mo)
# The easy-language variants (docs/languages.md): written by hand, never extracted, so
# update-catalogs leaves them alone; compiled like the messages.
EASY_PO := $(wildcard locales/*/LC_MESSAGES/easy.po)
EASY_MO := $(EASY_PO:.po=.mo)

# pip compiles all it installs, one file after the other (38 s of a clean clone's CI); most
# of it is never imported. The tests compile what they import, once: they run with
# bytecode written (PYTHONDONTWRITEBYTECODE unset for them; the bot's processes start
# hundreds of times, and each would compile every module it imports again). For the demo,
# the packages are compiled on every core once they are installed.
COMPILE_PACKAGES = $(PY) -m compileall -q -j 0 "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null

.PHONY: demo test lint catalogs extract update-catalogs bench bench-full clean web-assets postgresql speech pdf phone sms

$(VENV)/.stamp-base: pyproject.toml | speech pdf
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call INSTALL,-e .)
	$(COMPILE_PACKAGES)
	touch $@

# One install for the tests' tools and the bot's own packages together: a second pip run
# after the base one resolved and unpacked everything again (about 25 s of a clean clone's CI).
$(VENV)/.stamp-test: pyproject.toml | speech pdf
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call INSTALL,-e '.[test]')
	touch $(VENV)/.stamp-base $@

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

# The tests and the benchmarks run throwaway PostgreSQL clusters (tests/support/postgres_server.py):
# the server's programs and the contrib extension cube (the GiST index of the nearest-place
# search), from Debian's packages when the machine lacks them. The programs live in a folder
# per major version, so this is checked on every run (a few file tests) instead of being a
# file target like $(CHROMIUM). Without them make stops here: the tests never skip PostgreSQL.
POSTGRES_PACKAGES := postgresql postgresql-contrib
POSTGRES_PROGRAMS := initdb pg_ctl postgres psql pg_dump pg_restore
APT_GET = $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
postgres_missing = for program in $(POSTGRES_PROGRAMS); do \
	  command -v $$program >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/$$program >/dev/null 2>&1 \
	  || { echo "$$program"; break; }; done; \
	ls /usr/share/postgresql/*/extension/cube.control >/dev/null 2>&1 \
	  || test -f "$$(pg_config --sharedir 2>/dev/null)/extension/cube.control" \
	  || echo "the extension cube"

postgresql:
	@missing=$$($(postgres_missing)); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing PostgreSQL for the tests (Debian packages $(POSTGRES_PACKAGES))" >&2; \
	  $(APT_GET) install -y --no-install-recommends $(POSTGRES_PACKAGES) \
	    || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(POSTGRES_PACKAGES); }; \
	  missing=$$($(postgres_missing)); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "make: PostgreSQL is missing ($$(echo $$missing)) and could not be installed." >&2; \
	  echo "make: the tests need its server and the contrib extensions: install the Debian packages" >&2; \
	  echo "make: $(POSTGRES_PACKAGES) (apt-get as root or through sudo), then run make again." >&2; \
	  exit 1; \
	fi

# Read aloud (bot/speech): eSpeak NG's library and voices, the embedded speech engine, from
# Debian's packages when the machine lacks them. Checked on every run, like PostgreSQL. (ICU,
# for numbers in words, comes inside the pyicu-wheels wheel: nothing to build or install.)
SPEECH_PACKAGES := libespeak-ng1 espeak-ng-data
speech_missing = ldconfig -p 2>/dev/null | grep -q 'libespeak-ng.so.1 ' || echo libespeak-ng; \
	ls /usr/lib/*/espeak-ng-data/phontab /usr/share/espeak-ng-data/phontab 2>/dev/null \
	  | grep -q . || echo espeak-ng-data

speech:
	@missing=$$($(speech_missing)); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing eSpeak NG for read aloud (Debian packages $(SPEECH_PACKAGES))" >&2; \
	  $(APT_GET) install -y --no-install-recommends $(SPEECH_PACKAGES) \
	    || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(SPEECH_PACKAGES); }; \
	  missing=$$($(speech_missing)); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "make: $$(echo $$missing) missing and not installable: install the Debian packages" >&2; \
	  echo "make: $(SPEECH_PACKAGES) (apt-get as root or through sudo), then run make again." >&2; \
	  exit 1; \
	fi

# Volunteers' certificates as PDF (handlers/documents): WeasyPrint lays text out with Pango
# (HarfBuzz shapes Arabic and Persian) and embeds DejaVu Sans, which covers all ten
# languages' scripts; from Debian's packages when the machine lacks them. Checked on every
# run, like the speech libraries.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf_missing = for library in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do \
	  ldconfig -p 2>/dev/null | grep -q "$$library " || echo $$library; done; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || echo fonts-dejavu-core

pdf:
	@missing=$$($(pdf_missing)); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Pango and DejaVu Sans for PDF certificates (Debian packages $(PDF_PACKAGES))" >&2; \
	  $(APT_GET) install -y --no-install-recommends $(PDF_PACKAGES) \
	    || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(PDF_PACKAGES); }; \
	  missing=$$($(pdf_missing)); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "make: $$(echo $$missing) missing and not installable: install the Debian packages" >&2; \
	  echo "make: $(PDF_PACKAGES) (apt-get as root or through sudo), then run make again." >&2; \
	  exit 1; \
	fi

# The phone tests and benchmarks (tests/support/sip) run real SIP components on 127.0.0.1:
# Kamailio as registrar and proxy (and as the bot's SIP edge), rtpengine as the bot's media
# relay (userspace only, no kernel module), SIPp (Debian's sip-tester) and baresip as callers,
# from Debian's packages when the machine lacks them. Checked on every run, like PostgreSQL. The
# tests start their own Kamailio with their own configuration; a system service the package
# may start is never used.
PHONE_PACKAGES := kamailio rtpengine-daemon sip-tester baresip
phone_missing = { command -v kamailio || test -x /usr/sbin/kamailio; } >/dev/null 2>&1 || echo kamailio; \
	ls /usr/lib/*/kamailio/modules/registrar.so /usr/lib/kamailio/modules/registrar.so 2>/dev/null \
	  | grep -q . || echo "kamailio's modules"; \
	ls /usr/lib/*/kamailio/modules/rtpengine.so /usr/lib/kamailio/modules/rtpengine.so 2>/dev/null \
	  | grep -q . || echo "kamailio's rtpengine module"; \
	{ command -v rtpengine || test -x /usr/bin/rtpengine; } >/dev/null 2>&1 || echo rtpengine; \
	command -v sipp >/dev/null 2>&1 || echo sipp; \
	command -v baresip >/dev/null 2>&1 || echo baresip; \
	for module in aufile sndfile ctrl_tcp g711 aubridge; do \
	  test -f /usr/lib/baresip/modules/$$module.so || echo "baresip's $$module"; done

phone:
	@missing=$$($(phone_missing)); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing SIP components for the phone tests (Debian packages $(PHONE_PACKAGES))" >&2; \
	  $(APT_GET) install -y --no-install-recommends $(PHONE_PACKAGES) \
	    || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(PHONE_PACKAGES); }; \
	  missing=$$($(phone_missing)); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "make: $$(echo $$missing) missing and not installable: install the Debian packages" >&2; \
	  echo "make: $(PHONE_PACKAGES) (apt-get as root or through sudo), then run make again." >&2; \
	  exit 1; \
	fi

# The SMS tests and benchmarks (tests/support/sms) run Kannel on 127.0.0.1: bearerbox and
# smsbox (Debian's kannel) as the gateway, fakesmsc (kannel-extras) as the phone network, from
# Debian's packages when the machine lacks them. Checked on every run, like PostgreSQL. The
# tests start their own bearerbox and smsbox with their own configuration on free ports; a
# system service the package may start is never used.
SMS_PACKAGES := kannel kannel-extras
sms_missing = for program in bearerbox smsbox; do \
	  { command -v $$program || test -x /usr/sbin/$$program; } >/dev/null 2>&1 || echo $$program; done; \
	test -x /usr/lib/kannel/test/fakesmsc || echo fakesmsc

sms:
	@missing=$$($(sms_missing)); \
	if [ -n "$$missing" ]; then \
	  echo "make: installing Kannel for the SMS tests (Debian packages $(SMS_PACKAGES))" >&2; \
	  $(APT_GET) install -y --no-install-recommends $(SMS_PACKAGES) \
	    || { $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $(SMS_PACKAGES); }; \
	  missing=$$($(sms_missing)); \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "make: $$(echo $$missing) missing and not installable: install the Debian packages" >&2; \
	  echo "make: $(SMS_PACKAGES) (apt-get as root or through sudo), then run make again." >&2; \
	  exit 1; \
	fi

# Compiled catalogs are build products: made from the .po files whenever those change, a
# domain's catalogs in one run of Babel (one per language started Python twenty times, 10 s
# of a clean clone's CI).
$(CATALOGS_MO) &: $(CATALOGS_PO) $(VENV)/.stamp-base
	@$(PY) -m babel.messages.frontend compile -d locales -D messages --statistics

$(EASY_MO) &: $(EASY_PO) $(VENV)/.stamp-base
	@$(PY) -m babel.messages.frontend compile -d locales -D easy --statistics

catalogs: $(CATALOGS_MO) $(EASY_MO)

# The demo serves the map and the desk on this port beside the console chat.
DEMO_WEB_PORT ?= 8765
# `make demo DEMO_LANG=ar`: new people in the console arrive with that language hint, as a
# phone set to it would send (not LANG, which is the shell's own locale).
DEMO_LANG ?=
# Who signs volunteers' certificates in the demo (docs/help.md), so that the path can be tried.
DEMO_ORGANISATION ?= Nachbarschaftshilfe Dortmund (Demo)

demo: $(VENV)/.stamp-base catalogs web-assets
	$(PY) -m bot db migrate
	$(PY) -m bot places import data/dortmund/places-sample.csv
	$(PY) -m bot events import data/dortmund/events-sample.ics
	NACHBARBOT_WEB__PORT=$${NACHBARBOT_WEB__PORT:-$(DEMO_WEB_PORT)} \
	NACHBARBOT_ORGANISATION__NAME="$${NACHBARBOT_ORGANISATION__NAME:-$(DEMO_ORGANISATION)}" \
	  $(PY) -m bot console $(if $(DEMO_LANG),--lang $(DEMO_LANG))

# The suite runs in three more workers than there are cores (pytest-xdist), a test file at a
# time per worker: each worker starts its own PostgreSQL and Synapse. Much of a test's time is
# waiting for the processes and servers it starts (calls and texts in real time most of all),
# so with a worker per core the cores idled (a run used 1.15 of 2); with one more, the same
# suite took 14:52 instead of 20:18 on the same busy machine, and with two more (the waiting
# files spread among the others) 13:41 instead of 15:49, the cores 91 % busy; with three
# more, 12:13 in pytest instead of 13:13 (one clean clone after the other, 2026-11-26; the
# machine has 24 GB for the workers' servers). Files go out in
# the order tests/conftest.py gives (the longest first, the waiting ones spread),
# not xdist's own (the most tests first, which left the one-test crash story to the end).
# The slowest tests are listed at the end. `make test PYTEST_ARGS=tests/db/test_database.py`
# runs one file.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 3 )))
PYTEST_ARGS ?= -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# pytest exits 5 when it collected nothing; that is neither a pass nor an ordinary failure,
# so it is reported as its own error instead of being mistaken for either.
# The tests start the bot's processes many times over: they write bytecode whatever the
# environment says (PYTHONDONTWRITEBYTECODE), or each would compile every module again.
test: $(VENV)/.stamp-test catalogs web-assets $(CHROMIUM) postgresql phone sms
	@PYTHONDONTWRITEBYTECODE= $(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests - treating as failure" >&2; exit 1; fi; \
	exit $$rc

lint: $(VENV)/.stamp-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# The structure the code keeps (docs/architecture.md, "How the structure is held"): the
# layers, the rooms without circles, the long functions, code written twice, what the
# repository holds (under a minute; make test runs the same files).
structure: $(VENV)/.stamp-test
	$(PY) -m pytest -q tests/test_layers.py tests/test_rooms_without_circles.py \
	  tests/test_long_functions.py tests/test_duplicate_code.py tests/test_repository.py

extract: $(VENV)/.stamp-base
	$(PY) -m babel.messages.frontend extract -F babel.cfg -k _ -k N_ -k t -k tn:1,2 -k ngettext:1,2 -k pgettext:1c,2 \
	  --no-location --sort-output --project nachbarbot -o locales/messages.pot .

update-catalogs: extract
	$(PY) -m babel.messages.frontend update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(PY) -m locales fill-source

# make bench: the standard tier, about 15 minutes on this machine's two quiet cores (its runs'
# estimates, measured, add up to 15.55 min; every script whole took 27): the long scripts in a
# shorter form, no patient callers, the outcomes in the small town only. make bench-full:
# every script whole, every patient caller, the callers who vanish, the outcomes on every
# judging seed of every shape, Berlin included (about an hour and forty minutes: before a
# release, after a change to the matching rules, the phone line or speech, and weekly).
# Each run's duration is printed on stderr as it ends. docs/testing.md, "Benchmarks".
bench: $(VENV)/.stamp-test catalogs web-assets $(CHROMIUM) postgresql phone sms
	$(PY) bench/run_all.py

bench-full: $(VENV)/.stamp-test catalogs web-assets $(CHROMIUM) postgresql phone sms
	$(PY) bench/run_all.py --full

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info node_modules
	find locales -name '*.mo' -delete
