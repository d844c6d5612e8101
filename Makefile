# mbind-formal: `make run` (the main job) and `make test` (what CI runs).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SPEC    ?= spec/mbind.mbf

.PHONY: run test lint typecheck pytest tla golden bench fuzz clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/mbind-formal matrix $(SPEC)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check mbind_formal tests bench
	$(BIN)/ruff format --check mbind_formal tests bench

typecheck: $(STAMP)
	$(BIN)/mypy mbind_formal tests

pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --durations=15

tla: $(STAMP)
	$(BIN)/mbind-formal tla $(SPEC) -o generated/

golden: $(STAMP)
	$(BIN)/python -m tests.golden.update

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench.run

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run --examples 10000

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
