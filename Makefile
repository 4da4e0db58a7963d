# Quick start: `make demo` runs the local demo, `make test` runs the tests (what CI runs).
# Both build the environment first: a virtualenv in .venv and the Kafka jars in ~/.cache.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install kafka demo test test-fast report reliability

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

kafka:
	bash deploy/kafka/fetch.sh >/dev/null

demo: install kafka
	$(BIN)/tickertone demo

# pytest exits 5 when it collects nothing; that is not a failure of the code under test.
test: install kafka
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc

test-fast: install
	$(BIN)/python -m pytest -m "not integration"; rc=$$?; [ $$rc -eq 5 ] && exit 0; exit $$rc

# The long reliability runs (RELIABILITY.md): chaos, fuzz, burst, outage at full size, ~20 min on 2 cores.
reliability: install kafka
	$(BIN)/python -m pytest tests/reliability -m slow

# The committed replay evaluation: model vs lexicon on the bundled sample (about a minute on 2 cores).
report: install
	$(BIN)/tickertone evaluate --out reports/sample
