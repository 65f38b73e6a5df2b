# BorderFlow: `make run` loads the bundled real data and serves; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATABASE ?= sqlite:///var/borderflow.sqlite3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run load test bench lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

load: $(VENV)/.installed
	@mkdir -p var
	$(BIN)/borderflow --db $(DATABASE) ingest --quiet data/ || echo "note: some records were kept aside (borderflow quarantine and borderflow conflicts list them)"
	$(BIN)/borderflow --db $(DATABASE) forecast train --if-stale
	$(BIN)/borderflow --db $(DATABASE) status

run: load
	$(BIN)/borderflow --db $(DATABASE) serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 -q

bench: $(VENV)/.installed
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) var .pytest_cache
