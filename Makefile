# Two commands on a fresh machine:
#   make run   set up the embedded default, ingest the sample, serve on 127.0.0.1:8000
#   make test  set up everything, start a real Neo4j, run every check and test, stop Neo4j
#   make eval  the real-model evaluation with the ablation (minutes; see scripts/run_eval.sh)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
HOST ?= 127.0.0.1
PORT ?= 8000
SAMPLE := examples/taicang_2021_education_work_points.txt

.PHONY: run test eval soak bench install install-dev lint serve clean vendor

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

# The embedded default only: no torch, no Neo4j driver use, no server.
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(UV) pip install --quiet --python $(BIN)/python -e .
	touch $@

# Tests add pytest, linters, the sentence-transformers backend (torch: several GB) and e5-onnx.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(UV) pip install --quiet --python $(BIN)/python -e '.[dev,st,onnx]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/policykg ingest $(SAMPLE)
	$(BIN)/policykg serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/policykg serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_layers.py

test: install-dev
	PYTHON=$(abspath $(BIN)/python) bash scripts/run_tests.sh

# Not part of `make test`: the real-model evaluation (minutes): the blind set, the document-level
# set over the corpus, the tuning, held-out and dev sets, each with the channel ablation.
eval: install
	PYTHON=$(abspath $(BIN)/python) bash scripts/run_eval.sh

# Not part of `make test`: 50,000 fuzzed Cypher queries on both backends, then 60 s of mixed
# hostile and normal requests at 8 clients against a real server (prints /health p99).
soak: install-dev
	PYTHON=$(abspath $(BIN)/python) bash scripts/run_soak.sh

# Not part of `make test`: benchmarks that print figures (minutes each; see each script's docstring).
# bench/index_scale.py and bench/http_load.py read the corpus ingested once with the real model
# into $(BENCH_DIR) (minutes the first time; reused after). bench/scale.py ingests $(SCALES)
# times the corpus with the hash embedder, on the embedded backend and, when NEO4J_URI and
# NEO4J_PASSWORD are set, on that (empty) Neo4j; 100 is ~1.2M sentences: hours, see its report.
BENCH_DIR ?= .bench
CORPUS ?= ../shared/corpus
SCALES ?= 1,10
bench: install-dev
	$(UV) pip install --quiet --python $(BIN)/python -e '.[dev,st,onnx,bench]'
	$(BIN)/python bench/embedder_engines.py
	PYTHON=$(abspath $(BIN)/python) bash bench/embedder_eval.sh
	test -f $(BENCH_DIR)/corpus/data_version || POLICYKG_DATA_DIR=$(BENCH_DIR)/corpus $(BIN)/policykg ingest $(CORPUS)
	$(BIN)/python bench/index_scale.py $(BENCH_DIR)/corpus
	$(BIN)/python bench/http_load.py --data-dir $(BENCH_DIR)/corpus
	$(BIN)/python bench/snapshot_update.py --corpus $(CORPUS) --scales $(SCALES)
	$(BIN)/python bench/scale.py --corpus $(CORPUS) --scales $(SCALES)

# Refresh the web page's vendored graph library (and the tests' axe-core) from npm; the
# results are committed, so nothing else needs npm.
vendor:
	bash scripts/vendor_web.sh

clean:
	rm -rf $(VENV) data .neo4j-test .pytest_cache .mypy_cache .ruff_cache
