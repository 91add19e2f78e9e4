#!/usr/bin/env bash
# Start a throwaway Neo4j Community 5.26 server for the test suite.
#
# The server jars come from Maven (scripts/neo4j/pom.xml, cached in ~/.m2), so no
# tarball or Docker is needed. Bolt listens on 127.0.0.1 only, HTTP is off, and
# authentication is on (user neo4j).
#
# Environment (all optional):
#   NEO4J_BOLT_PORT      Bolt port on 127.0.0.1               (default 7687)
#   NEO4J_PASSWORD       password of user neo4j, >= 8 chars   (default policykg-test)
#   NEO4J_HOME_DIR       data/logs/conf dir for this server   (default <repo>/.neo4j-test)
#   NEO4J_HEAP           JVM max heap                         (default 1g)
#   NEO4J_PAGECACHE      page cache size                      (default 128m)
#   NEO4J_START_TIMEOUT  seconds to wait for Bolt             (default 180)
#   NEO4J_VERSION        org.neo4j:neo4j version              (default: the one in pom.xml)
#   NEO4J_MVN_ARGS       extra mvn arguments, e.g. "-o -s settings.xml"
#   PYTHON               python used for the readiness check  (default python3)
#   JAVA_HOME / MVN      which java / mvn to use
#
# Idempotent: exits 0 at once if the server for NEO4J_HOME_DIR is already up.
# With --resolve-only it resolves the server's jars with Maven and exits without starting it.
set -euo pipefail
resolve_only=""
[[ "${1:-}" == "--resolve-only" ]] && resolve_only=1

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
pom_dir=$script_dir/neo4j

port=${NEO4J_BOLT_PORT:-7687}
password=${NEO4J_PASSWORD:-policykg-test}
home=${NEO4J_HOME_DIR:-$repo_root/.neo4j-test}
heap=${NEO4J_HEAP:-1g}
pagecache=${NEO4J_PAGECACHE:-128m}
timeout=${NEO4J_START_TIMEOUT:-180}
python=${PYTHON:-python3}
mvn=${MVN:-mvn}

die() { echo "neo4j_start: $*" >&2; exit 1; }
log() { echo "neo4j_start: $*" >&2; }

# Neo4j resolves relative directories against the home dir, so make it absolute.
mkdir -p "$home"
home=$(cd "$home" && pwd)
pid_file=$home/neo4j.pid
uri=bolt://127.0.0.1:$port

# --- prerequisites ---------------------------------------------------------
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  java=$JAVA_HOME/bin/java
else
  java=$(command -v java || true)
fi
[[ -n "$java" ]] || die "java not found (need Java 17 or 21 on PATH or JAVA_HOME)"
java_major=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
[[ "${java_major:-0}" -ge 17 ]] || die "Neo4j 5.26 needs Java 17+, found '${java_major:-unknown}' at $java"

# --- helpers ---------------------------------------------------------------
# Our pid file is only trusted if it still points at *this* home's server
# (guards against pid reuse after a crash/reboot).
running_pid() {
  [[ -f "$pid_file" ]] || return 1
  local pid
  pid=$(cat "$pid_file" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -qF -- "--home-dir=$home" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

have_driver() { command -v "$python" >/dev/null 2>&1 && "$python" -c 'import neo4j' 2>/dev/null; }

show_logs() {
  local f
  for f in "$home/logs/console.log" "$home/logs/neo4j.log"; do
    [[ -s "$f" ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 40 "$f" >&2
  done
}

# Wait until an authenticated query succeeds (python driver), or, without the
# driver, until the port is open and neo4j.log says "Started.".
# Returns 0 ready, 2 password rejected, 4 process died, 5 timed out.
wait_ready() {
  local pid=$1 log_offset=${2:-0}
  if have_driver; then
    local rc=0
    # Password via env, not argv, so it does not show up in ps.
    NEO4J_START_PW=$password "$python" - "$uri" "$pid" "$timeout" <<'PY' || rc=$?
import os, sys, time
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
uri, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
pw = os.environ["NEO4J_START_PW"]
deadline = time.monotonic() + timeout
last = None
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        print("neo4j_start: server process %d exited" % pid, file=sys.stderr)
        sys.exit(4)
    except PermissionError:
        pass
    try:
        # session.run, not execute_query: no built-in retry/backoff, we poll ourselves
        with GraphDatabase.driver(uri, auth=("neo4j", pw), connection_timeout=5) as d, \
                d.session() as s:
            r = s.run("CALL dbms.components() YIELD name, versions, edition "
                      "RETURN name, versions[0] AS version, edition").single(strict=True)
            print("neo4j_start: ready: %s %s %s at %s" % (r["name"], r["version"], r["edition"], uri),
                  file=sys.stderr)
            sys.exit(0)
    except AuthError as e:
        print("neo4j_start: server is up but rejected the password for user neo4j: %s" % e,
              file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # not listening yet / databases still starting
        last = e
    time.sleep(1)
print("neo4j_start: timed out after %ss; last error: %r" % (timeout, last), file=sys.stderr)
sys.exit(5)
PY
    return "$rc"
  fi
  log "python neo4j driver not importable with '$python'; falling back to TCP + log check"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || { log "server process $pid exited"; return 4; }
    # neo4j.log is appended to across runs: only look at what this run wrote.
    if port_open && tail -c +$((log_offset + 1)) "$home/logs/neo4j.log" 2>/dev/null | grep -q 'INFO  Started\.'; then
      log "ready (port open, log says Started; auth not verified without the driver) at $uri"
      return 0
    fi
    sleep 1
  done
  log "timed out after ${timeout}s"
  return 5
}

# --- already running? ------------------------------------------------------
if [[ -z "$resolve_only" ]]; then
  if pid=$(running_pid); then
    log "server already running (pid $pid), checking it"
    rc=0; wait_ready "$pid" || rc=$?
    [[ $rc -eq 0 ]] && exit 0
    [[ $rc -eq 2 ]] && die "the data in $home was initialised with another password; run scripts/neo4j_stop.sh and delete $home to reset"
    show_logs
    die "server pid $pid is running but not reachable on $uri"
  fi
  rm -f "$pid_file"
  if port_open; then
    die "127.0.0.1:$port is already in use by another process; stop it or set NEO4J_BOLT_PORT"
  fi
fi

# --- resolve the server classpath with Maven --------------------------------
version=${NEO4J_VERSION:-$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$pom_dir/pom.xml" | head -n1)}
[[ -n "$version" ]] || die "could not read neo4j.version from $pom_dir/pom.xml"
cp_file=$pom_dir/target/classpath-$version.txt

classpath_ok() {
  [[ -s "$cp_file" && ! "$pom_dir/pom.xml" -nt "$cp_file" ]] || return 1
  local jar jars
  IFS=: read -r -a jars <"$cp_file" || true
  ((${#jars[@]} > 0)) || return 1
  for jar in "${jars[@]}"; do [[ -f "$jar" ]] || return 1; done
}

if ! classpath_ok; then
  command -v "$mvn" >/dev/null 2>&1 || die "Maven ('$mvn') not found; it is needed once to resolve Neo4j $version into ~/.m2"
  log "resolving org.neo4j:neo4j:$version with Maven (~150 MB download into ~/.m2 the first time)"
  # Output goes to a log (Maven 3.8 prints stray ANSI resets even with -q -B); shown on failure.
  mkdir -p "$pom_dir/target"
  mvn_log=$pom_dir/target/mvn.log
  # shellcheck disable=SC2086  # NEO4J_MVN_ARGS is deliberately word-split
  if ! "$mvn" -q -B -f "$pom_dir/pom.xml" -Dneo4j.version="$version" ${NEO4J_MVN_ARGS:-} validate \
      >"$mvn_log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$mvn_log" >&2
    die "mvn failed to resolve org.neo4j:neo4j:$version (no network and nothing in ~/.m2?)"
  fi
  classpath_ok || die "mvn did not produce a usable $cp_file"
fi
[[ -n "$resolve_only" ]] && exit 0

# --- config and first-run password ----------------------------------------
mkdir -p "$home/conf" "$home/data" "$home/logs" "$home/run" "$home/plugins" "$home/import"
# Rewritten every start so env changes (port, memory) take effect.
cat >"$home/conf/neo4j.conf" <<EOF
# Generated by scripts/neo4j_start.sh -- edits are overwritten.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$port
server.bolt.advertised_address=127.0.0.1:$port
server.http.enabled=false
server.https.enabled=false
dbms.security.auth_enabled=true
server.memory.pagecache.size=$pagecache
dbms.usage_report.enabled=false
# Hardening for read-only /cypher (docker-compose.yml sets the same): no LOAD CSV from server
# files, and a time and memory cap on every transaction, whoever sends it.
dbms.security.allow_csv_import_from_file_urls=false
db.transaction.timeout=30s
dbms.memory.transaction.total.max=512m
db.memory.transaction.max=256m
# Default Netty quiet period (5s per event loop group) makes shutdown take ~10s.
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
EOF

# The initial password only takes effect before the very first start, i.e.
# before the system database exists.
if [[ ! -d "$home/data/databases/system" ]]; then
  NEO4J_HOME=$home NEO4J_CONF=$home/conf \
    "$java" -Xmx256m -cp "$(cat "$cp_file")" org.neo4j.cli.AdminTool \
    dbms set-initial-password "$password" >"$home/logs/set-initial-password.log" 2>&1 \
    || { cat "$home/logs/set-initial-password.log" >&2; die "setting the initial password failed (Neo4j needs >= 8 characters)"; }
fi

# --- launch -----------------------------------------------------------------
# JVM flags follow Neo4j's shipped neo4j.conf, with a small heap for a shared box.
jvm_opts=(
  -Xmx"$heap"
  -XX:+UseG1GC
  -XX:-OmitStackTraceInFastThrow
  -XX:+UnlockExperimentalVMOptions
  -XX:+TrustFinalNonStaticFields
  -XX:+DisableExplicitGC
  -Djdk.nio.maxCachedBufferSize=1024
  -Dio.netty.tryReflectionSetAccessible=true
  -Dlog4j2.disable.jmx=true
  -Dfile.encoding=UTF-8
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)
launcher=(nohup)
command -v setsid >/dev/null 2>&1 && launcher=(setsid nohup)

log_offset=$(stat -c %s "$home/logs/neo4j.log" 2>/dev/null || echo 0)
log "starting Neo4j $version (home $home, bolt $uri)"
# The subshell makes java a child of init, not of this script, so it outlives us
# and a dead server is not kept around as a zombie while we poll it.
(
  cd "$home"
  "${launcher[@]}" "$java" "${jvm_opts[@]}" -cp "$(cat "$cp_file")" \
    org.neo4j.server.CommunityEntryPoint --home-dir="$home" --config-dir="$home/conf" \
    >"$home/logs/console.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
)
pid=$(cat "$pid_file")

rc=0; wait_ready "$pid" "$log_offset" || rc=$?
if [[ $rc -eq 0 ]]; then
  exit 0
fi
show_logs
if kill -0 "$pid" 2>/dev/null; then
  log "stopping the unusable server (pid $pid)"
  NEO4J_HOME_DIR=$home "$script_dir/neo4j_stop.sh" >&2 || true
else
  rm -f "$pid_file"
fi
[[ $rc -eq 2 ]] && die "the data in $home was initialised with another password; delete $home to reset"
die "Neo4j did not become ready on $uri (see logs above and in $home/logs)"
