# geocover — every target bootstraps .venv from pyproject.toml on a fresh machine and
# is idempotent: a second run reuses the venv and redoes nothing that is up to date.

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
# geocover byte-compiled, as an install does: with PYTHONDONTWRITEBYTECODE set (as on
# this project's machines) an editable checkout would compile its 128 modules again at
# every command (~0.18 s of each run). A stale .pyc is only ignored, never wrong.
PYC     := $(VENV)/.compiled-stamp
# The French catalog compiled in the checkout (gitignored): without it every command
# compiles the .po in memory first (65 ms of each run).
PO      := geocover/i18n/locale/fr/LC_MESSAGES/geocover.po
MO      := $(PO:.po=.mo)
# The offline bundle: ../shared/data when it is there (tests, offline demo), else live.
BUNDLE  ?= $(firstword $(wildcard ../shared/data))
BUNDLE_ARG := $(if $(BUNDLE),--bundle $(BUNDLE),)
SOURCES := $(shell find geocover -name '*.py' 2>/dev/null) $(wildcard data/metz/*)

# pytest-xdist workers: every core (2 on the project's machines).
WORKERS ?= auto

.PHONY: demo test test-fast lint check bench sysdeps venv clean help i18n

help:
	@echo "make demo       the Metz report (and map) from the bundle or live sources"
	@echo "make test       the test suite, doctests included (installs what it needs)"
	@echo "make test-fast  the suite without the browser and PostGIS tests"
	@echo "make lint       ruff, mypy and import-linter (0 findings is the rule)"
	@echo "make check      lint and test: what .ci/run runs"
	@echo "make i18n       extract the messages and update the French catalog (then translate)"
	@echo "make bench      benchmarks against PostGIS (not part of make test)"

venv: $(STAMP) $(MO) $(PYC)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

$(PYC): $(STAMP) $(SOURCES)
	$(PY) -m compileall -q geocover
	touch $@

# (babel's API as setup.py uses it: pybabel compile's checker reads "95% i" as a
# printf placeholder and refuses the catalog)
$(MO): $(PO) $(STAMP)
	$(PY) -c 'import sys; from babel.messages import pofile, mofile; \
	  mofile.write_mo(open(sys.argv[2], "wb"), pofile.read_po(open(sys.argv[1], "rb"), \
	  locale="fr"), use_fuzzy=False)' $(PO) $(MO)

demo: maps/metz.html
	@cat maps/metz-report.txt
	@echo "Map: maps/metz.html (open it in a browser; works offline with --tiles none)."
	@echo "Report: maps/metz-report.txt, .md, .json; figures: maps/metz-map.png, maps/metz-cameras-over-time.png"

# The map command also writes maps/metz-report.txt and .md beside the map.
maps/metz.html: $(STAMP) $(MO) $(PYC) $(SOURCES)
	$(PY) -m geocover report metz $(BUNDLE_ARG) --format json -o maps/metz-report.json
	$(PY) -m geocover map metz $(BUNDLE_ARG) -o $@
	$(PY) -m geocover figures metz $(BUNDLE_ARG) --output-dir maps

# System packages the tests drive for real: Debian's chromium (maps in a browser),
# PostgreSQL/PostGIS (reference computations), osmium-tool (JOSM files read back).
sysdeps:
	@./scripts/sysdeps.sh

test: $(STAMP) $(MO) $(PYC) sysdeps
	$(PY) -m pytest -q -n $(WORKERS)

# No chromium, no PostgreSQL: what a quick edit-test loop needs.
test-fast: $(STAMP) $(MO) $(PYC)
	$(PY) -m pytest -q -n $(WORKERS) -m "not browser and not postgis"

# All three run even when one fails; the target fails if any did.
lint: $(STAMP)
	@rc=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || rc=1; \
	echo "mypy"; $(VENV)/bin/mypy || rc=1; \
	echo "lint-imports"; $(VENV)/bin/lint-imports --no-cache || rc=1; \
	exit $$rc

check: lint test

# Messages: extracted from the code, merged into geocover/i18n/locale/fr/.../geocover.po
# (translate the new entries there; tests fail on any left empty or fuzzy). The .mo is
# compiled into the wheel by setup.py, and into the checkout by make venv ($(MO)).
POT := build/geocover.pot
PO_VOLATILE := '/^"POT-Creation-Date:/d;/^"PO-Revision-Date:/d;/^"Generated-By:/d;/^"Report-Msgid-Bugs-To:/d;/^"Last-Translator:/d;/^"Language-Team:/d'
I18N_FLAGS := -F babel.cfg -k N_ -k pgettext:1c,2 --no-location --sort-output --omit-header
i18n: $(STAMP)
	@mkdir -p build
	$(VENV)/bin/pybabel -q extract $(I18N_FLAGS) --project geocover -o $(POT) geocover
	$(VENV)/bin/pybabel -q update -i $(POT) -d geocover/i18n/locale -D geocover -l fr \
	  --ignore-obsolete --no-fuzzy-matching
	@# keep the header (its Plural-Forms: 2 forms, not CLDR's 3) without the lines that
	@# change at every run (they would conflict on every merge)
	sed -i $(PO_VOLATILE) geocover/i18n/locale/fr/LC_MESSAGES/geocover.po
	$(PY) -m geocover.i18n.check

bench: $(STAMP) $(MO) $(PYC)  # installs no system package: it says what is missing
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache maps/*.html maps/*.png maps/*-report.*
