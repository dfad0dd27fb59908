# The README's commands. `sh bootstrap.sh TARGET` installs what is needed, then runs these.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test test-fast bench lint format docs catalog

run:  ## the main job: hostqld on its embedded default config (Ctrl-C stops it)
	$(VENV)/bin/hostqld

test:  ## the whole suite, live tests included
	$(VENV)/bin/pytest -q

test-fast:  ## hermetic tests only
	$(VENV)/bin/pytest -q -m "not live"

bench:  ## every benchmark, each as a ratio against a reference run in the same process
	$(PY) benchmarks/run.py

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .

catalog:  ## regenerate src/hostql/catalog.py from the table modules
	$(PY) -c "from hostql.registry import discover_tables, catalog_source; \
	open('src/hostql/catalog.py', 'w').write(catalog_source(discover_tables()))"

docs: catalog  ## regenerate the table and flag reference pages
	$(PY) -m hostql.reference_docs docs/reference
