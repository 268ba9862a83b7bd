# The two set-up commands of README.md: `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ACE    := tools/ace/node_modules/.installed
# Reproducible builds: every date in every file comes from the last commit's time.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: book check test test-long lint bench baseline system-build system-test clean

book: system-build $(STAMP)
	$(BIN)/publish build source -o dist

# `publish check` on the book (EPUBCheck, DAISY Ace, preflight, ...): installs Ace first.
check: system-test $(STAMP) $(ACE)
	$(BIN)/publish check source -o dist

test: system-test $(STAMP) $(ACE)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# `make test` with HYPOTHESIS_PROFILE=long in the environment: the tests' long Hypothesis profile.
test-long: export HYPOTHESIS_PROFILE = long
test-long: test

# Speed and memory against WeasyPrint alone and Pandoc (minutes; not part of `make test`).
bench: system-build $(STAMP) $(VENV)/.bench
	$(BIN)/python -m bench.run

# Renew Seven Letters' pagination baseline (tests/baselines/), on purpose only: in a commit
# of its own, saying which issue changed the pagination and why.
baseline: system-build $(STAMP)
	$(BIN)/python tools/baseline.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# What pip cannot bring, before anything is built: installed with apt-get as root or with
# password-less sudo (saying what and why, on stderr); else named in the one command to run.
system-build:
	@bash tools/system-deps.sh --need build --auto
system-test:
	@bash tools/system-deps.sh --need test --auto

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

$(VENV)/.bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	@touch $@

$(ACE): tools/ace/package.json tools/ace/package-lock.json
	cd tools/ace && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf dist .dist.cache .dist.lock bench/out .venv tools/ace/node_modules .pytest_cache .mypy_cache .ruff_cache
