#!/usr/bin/env bash
# Stop the test Neo4j server started by scripts/neo4j_start.sh.
#
# Environment (all optional):
#   NEO4J_HOME_DIR      same dir as given to neo4j_start.sh (default <repo>/.neo4j-test)
#   NEO4J_STOP_TIMEOUT  seconds to wait for a clean shutdown before SIGKILL (default 60)
#
# Exits 0 if the server was stopped or was not running. Data is kept; delete
# NEO4J_HOME_DIR for a fresh database (and a new NEO4J_PASSWORD to take effect).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
home=${NEO4J_HOME_DIR:-$repo_root/.neo4j-test}
timeout=${NEO4J_STOP_TIMEOUT:-60}

log() { echo "neo4j_stop: $*" >&2; }

if [[ ! -d "$home" ]]; then
  log "not running (no $home)"
  exit 0
fi
home=$(cd "$home" && pwd)
pid_file=$home/neo4j.pid

pid=$(cat "$pid_file" 2>/dev/null || true)
# Only signal the process if it is still this home's server (guards against pid reuse).
if [[ ! "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null \
   || ! ps -p "$pid" -o args= 2>/dev/null | grep -qF -- "--home-dir=$home"; then
  log "not running"
  rm -f "$pid_file"
  exit 0
fi

# SIGTERM runs Neo4j's shutdown hook (checkpoint, clean store shutdown).
log "stopping pid $pid"
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + timeout))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    log "no clean exit after ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 0.5
done
rm -f "$pid_file"
log "stopped"
