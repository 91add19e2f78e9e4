#!/usr/bin/env bash
# Start a real Neo4j, run linters and the whole test suite against it, stop Neo4j.
# Fails (never skips) when Neo4j cannot start: the Neo4j suite is part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
BIN=$(dirname "$PYTHON")

source scripts/test_env.sh

# docker-compose 1.29 (Debian) validates docker-compose.yml without a Docker engine.
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "run_tests: installing docker-compose (Debian package) to validate docker-compose.yml"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker-compose >/dev/null
fi

# LibreOffice, headless and without GUI (~86 MB download, ~20 s here), converts .doc/.wps files
# for the loaders and their tests.
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  echo "run_tests: installing LibreOffice Writer (Debian package libreoffice-writer-nogui) for .doc/.wps"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi

# Chromium (Debian's, headless) for the web page's browser tests (tests/ui), driven by Python
# playwright through its executable path; CJK fonts so screenshots show the Chinese text.
if ! command -v chromium >/dev/null 2>&1; then
  echo "run_tests: installing Chromium and CJK fonts (Debian packages chromium, fonts-noto-cjk) for tests/ui"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

"$BIN/ruff" check .
"$BIN/mypy"

# The tests run in PYTEST_WORKERS processes (pytest-xdist; default: one per core, at most 4),
# each with a Neo4j server of its own: the Neo4j tests empty the database they use, so two
# workers sharing one would wipe each other's data. Worker N uses the Nth of NEO4J_WORKER_URIS
# (tests/conftest.py). The servers start side by side.
workers=${PYTEST_WORKERS:-$(nproc)}
workers=$((workers > 4 ? 4 : workers))
homes=() uris=() pids=()
for ((i = 0; i < workers; i++)); do
  suffix=""
  ((i == 0)) || suffix="-$i"
  homes+=(".neo4j-test$suffix")
  uris+=("bolt://127.0.0.1:$((NEO4J_BOLT_PORT + i))")
done
stop_all() { for home in "${homes[@]}"; do NEO4J_HOME_DIR=$home bash scripts/neo4j_stop.sh || true; done; }
trap stop_all EXIT
# Maven resolves the server's jars once (the first time, a download), before the servers start.
PYTHON="$PYTHON" bash scripts/neo4j_start.sh --resolve-only
for ((i = 0; i < workers; i++)); do
  PYTHON="$PYTHON" NEO4J_HOME_DIR=${homes[i]} NEO4J_BOLT_PORT=$((NEO4J_BOLT_PORT + i)) \
    bash scripts/neo4j_start.sh &
  pids+=($!)
done
# Every start is waited for before a failure stops the run: the EXIT trap then stops the servers
# that did start (stopping at the first failure left a server still starting behind, running).
started=1
for pid in "${pids[@]}"; do wait "$pid" || started=0; done
if ((started == 0)); then
  echo "run_tests: a Neo4j server did not start (see above)" >&2
  exit 1
fi
export NEO4J_WORKER_URIS="${uris[*]}"

if ((workers > 1)); then
  # --dist loadscope: a module's tests stay on one worker, so its module fixtures are built once.
  # The schemathesis fuzz test is one node id for every API operation, and xdist runs one item
  # per node id: it runs in a process of its own (tests/conftest.py refuses duplicates in a worker).
  FUZZ=tests/service/test_api_fuzz.py
  "$PYTHON" -m pytest -n "$workers" --dist loadscope --ignore "$FUZZ" "$@"
  "$PYTHON" -m pytest "$FUZZ" "$@"
else
  "$PYTHON" -m pytest "$@"
fi
