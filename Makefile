# mbind-formal: `make run` (the main job) and `make test` (what CI runs).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SPEC    ?= spec/mbind.mbf

.PHONY: run test lint typecheck pytest nightly tla golden report-png bench fuzz clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The matrix exits 1 when some claim is violated and 3 when some is undecided: both are
# results of a successful run. Bad input (2), disagreeing engines (4) or a bug (5) fail.
run: $(STAMP)
	@$(BIN)/mbind-formal matrix $(SPEC); rc=$$?; \
	case $$rc in 0|1|3) exit 0;; *) exit $$rc;; esac

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check mbind_formal tests bench
	$(BIN)/ruff format --check mbind_formal tests bench

typecheck: $(STAMP)
	$(BIN)/mypy mbind_formal tests

pytest: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --durations=15 -m "not nightly"

# Long checks kept out of CI's time budget (bigger worlds, every engine on every cell).
nightly: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2 --durations=15 -m nightly

tla: $(STAMP)
	$(BIN)/mbind-formal tla $(SPEC) -o generated/

golden: $(STAMP)
	$(BIN)/python -m tests.golden.update

# docs/report.png, the README's picture of the HTML report (needs Debian's chromium)
report-png: $(STAMP)
	$(BIN)/python tests/golden/report_png.py

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,bench]'
	$(BIN)/python -m bench.run

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run --examples 10000

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
