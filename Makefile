# Two commands do everything on a fresh machine with only python3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LINT_STAMP := $(VENV)/.installed-lint
TEST_STAMP := $(VENV)/.installed-test
DEMO := fixtures/router_gather_scatter_shardy_f32_debug.mlir

.PHONY: run test bench fixtures install install-test clean

run: $(LINT_STAMP)
	$(BIN)/hlo-fix lint --exit-zero $(DEMO)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

bench: $(TEST_STAMP)
	$(BIN)/python bench/make_model.py
	$(BIN)/python bench/run_bench.py --repeats 5
	cd bench && ../$(BIN)/python cases.py --repeats 3
	$(BIN)/python bench/memory.py

fixtures: $(TEST_STAMP)
	$(BIN)/python tools/make_fixtures.py --out fixtures

install: $(LINT_STAMP)
install-test: $(TEST_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The lint path needs lark and click only; tests, benchmarks and fixtures also need jax (XLA on CPU).
$(LINT_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(LINT_STAMP)

clean:
	rm -rf $(VENV) build *.egg-info bench/out
