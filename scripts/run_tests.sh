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

PYTHON="$PYTHON" bash scripts/neo4j_start.sh
trap 'bash scripts/neo4j_stop.sh' EXIT

"$PYTHON" -m pytest "$@"
