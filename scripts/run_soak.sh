#!/usr/bin/env bash
# `make soak` (not part of `make test`): the Cypher fuzzing corpus at 50,000 queries on both
# backends against a real Neo4j, then 60 s of mixed hostile and normal requests from 8 clients
# against a real `policykg serve` on the embedded default (bench/soak.py prints its report),
# then a server on Neo4j while Neo4j restarts (bench/neo4j_restart.py: 503 with Retry-After
# while it is down, answers again without a restart of the server).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}

export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}  # one thread: the soak's clients share 2 cores
source scripts/test_env.sh

PYTHON="$PYTHON" bash scripts/neo4j_start.sh
trap 'bash scripts/neo4j_stop.sh' EXIT

POLICYKG_FUZZ_QUERIES=${POLICYKG_FUZZ_QUERIES:-50000} "$PYTHON" -m pytest -q tests/service/test_cypher_fuzz.py
# The whole corpus on both backends (make test ingests a third of it).
POLICYKG_TEST_WHOLE_CORPUS=1 "$PYTHON" -m pytest -q \
  "tests/service/test_ingest_lifecycle.py::test_the_whole_corpus_ingests_alike_on_both_backends_and_a_second_run_changes_nothing"
"$PYTHON" bench/soak.py --seconds "${SOAK_SECONDS:-60}" --clients "${SOAK_CLIENTS:-8}"
"$PYTHON" bench/neo4j_restart.py
