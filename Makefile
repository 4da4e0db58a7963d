# Quick start: `make demo` runs the local demo, `make test` runs the tests (CI runs `make lint`
# and `make test`).
# Both build the environment first: a virtualenv in .venv installed from requirements.lock, and
# the Kafka jars in ~/.cache/tickertone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
UV_VERSION := 0.13.9
# Every extra, so one lock pins what CI, the images and a developer install.
LOCK_EXTRAS := --extra gpu --extra rocksdb --extra eval --extra lint --extra test

.PHONY: install kafka demo test test-fast lint lock report reliability

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e '.[test]'
	touch $@

install: $(VENV)/.installed

kafka: install
	$(BIN)/tickertone broker --fetch-only >/dev/null

demo: install kafka
	$(BIN)/tickertone demo

# pytest exits 5 when it collects nothing; that is not a failure of the code under test.
test: install kafka
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi; exit $$rc

test-fast: install
	$(BIN)/python -m pytest -m "not integration"; rc=$$?; [ $$rc -eq 5 ] && exit 0; exit $$rc

lint: install
	$(BIN)/ruff check streams inference schemas tests benchmarks deploy
	$(BIN)/mypy

# Re-resolve every dependency within pyproject.toml's ranges and rewrite the lock.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 $(LOCK_EXTRAS) \
		--no-annotate --custom-compile-command "make lock" -o $(LOCK)

# The long reliability runs (RELIABILITY.md): chaos, fuzz, burst, outage and scale-out (two and three
# workers in one group) at full size, ~26 min on 2 cores.
reliability: install kafka
	$(BIN)/python -m pytest tests/reliability -m slow

# The committed replay evaluation on the bundled sample: the model, its weightings and the lexicon.
report: install
	TICKERTONE_STORY__SYMBOLS_CSV=streams/sample/symbols.csv $(BIN)/tickertone evaluate --out reports/sample
