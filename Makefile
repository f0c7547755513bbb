# The two commands a new machine needs: `make run` and `make test`.
# Each creates .venv if it is missing and installs into it what it needs: `make run` what running
# needs (the package and its web extra), `make test` also the development and test tools (ruff,
# mypy, pytest, hypothesis, playwright, dask, durable-rules, ...). One stamp each, so either order
# works: the test install includes the run install and marks it done.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench samples docs clean browser office postgres serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[web]'
	touch $(RUN_STAMP)

$(TEST_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,web]'
	touch $(TEST_STAMP) $(RUN_STAMP)

# Exit status 1 means "finished, with input issues listed": the sample has dirty cells on purpose.
run: $(RUN_STAMP)
	mkdir -p out
	$(BIN)/eligibility screen samples/pool.xlsx --as-of 2026-11-26 -o out/筛查结果.xlsx --html out/报告.html; \
	  status=$$?; [ $$status -le 1 ] || exit $$status
	@echo "网页版（上传表格、查看报告、下载结果）：make serve，然后在浏览器打开 http://127.0.0.1:8765/"

# The local web page (this computer only); `.venv/bin/eligibility serve --help` for options.
serve: $(RUN_STAMP)
	$(BIN)/eligibility serve

test: $(TEST_STAMP) lint browser office postgres
	$(BIN)/python -m pytest -q

# The browser tests drive Debian's Chromium (with a CJK font for the screenshots); install when missing.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

# The print test converts the reviewer's workbook to PDF with Debian's LibreOffice Calc (no GUI), with
# Carlito standing in for the workbook's Calibri at the same widths; install when missing.
office:
	@if ! command -v soffice >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi carlito; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreoffice-calc-nogui \
	    fonts-crosextra-carlito >/dev/null; \
	fi

# The pool's PostgreSQL tests start a private cluster of Debian's server (initdb into a temporary
# folder, a Unix socket there, no port) and stop it at the end; install the server when missing.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

lint: $(TEST_STAMP)
	$(BIN)/ruff check eligibility tests benchmarks samples
	$(BIN)/ruff format --check eligibility tests benchmarks samples
	$(BIN)/mypy

bench: $(TEST_STAMP)
	$(BIN)/python -m pytest benchmarks -q --benchmark-columns=min,mean,ops --benchmark-sort=name

docs: $(RUN_STAMP)
	$(BIN)/eligibility rules docs -o docs/rules

samples: $(RUN_STAMP)
	$(BIN)/python samples/make_samples.py
	$(BIN)/python samples/make_quarters.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
