"""Reader Cypher on the embedded store runs here: in a separate, sandboxed process.

A reader's query can crash LadybugDB (``UNWIND range(1, 10000000000)`` segfaults it), make it
allocate gigabytes, or reach its file functions (``LOAD FROM``, ``COPY … TO``, ``EXPORT``).
None of that may touch the server, so each query runs in a worker process that

- opens the database file ``read_only`` (LadybugDB refuses every write, whatever the text),
  with a bounded buffer pool;
- then, before it reads any request, installs a seccomp filter on all of its threads that
  makes every call that opens, creates, renames or removes a file, starts a program or opens a
  socket fail with EPERM, and sets ``RLIMIT_FSIZE`` to 0 and no core dumps. The worker can read
  and write nothing but the database file it already holds and its two pipes;
- fetches at most ``max_rows + 1`` rows and stops converting once the JSON passes
  ``max_bytes``.

The server side (``QueryWorker``) sends one request at a time and kills the worker when it
runs past its time, when its resident memory passes the bound, or when it dies; the reader
gets a ``QueryError`` (HTTP 400) and the next query starts a fresh worker. A write to the
graph also retires the worker, so the next query sees the new data.

Protocol: one JSON object a line on the worker's stdin and stdout.
"""

import errno
import json
import os
import resource
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from graph import cypher
from graph.cypher_store import enforce_result_size
from graph.errors import GraphUnavailableError, QueryError, ReadOnlyViolationError
from graph.models import QueryResult

# What a worker may not do once it serves requests. Reads and writes on descriptors it
# already holds (the database file, its pipes) and memory calls stay allowed.
_DENIED_SYSCALLS = (
    "open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
    "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
    "link", "linkat", "symlink", "symlinkat", "truncate", "chmod", "fchmodat", "fchmodat2",
    "chown", "lchown", "fchownat", "mknod", "mknodat", "mount", "umount2", "chroot",
    "pivot_root", "execve", "execveat", "fork", "vfork", "socket", "socketpair", "connect",
    "bind", "listen", "accept", "accept4", "sendto", "sendmsg", "ptrace", "process_vm_readv",
    "process_vm_writev", "memfd_create", "io_uring_setup", "userfaultfd", "bpf", "kill",
    "tkill", "setuid", "setgid", "unshare", "setns", "keyctl", "add_key", "request_key",
)
DEFAULT_MAX_MEMORY_BYTES = 1 << 30  # the worker's resident size; POLICYKG_CYPHER_MAX_MEMORY_MB
_READY_TIMEOUT_S = 30.0
_KILL_GRACE_S = 2.0
_MEMORY_POLL_S = 0.05


class QueryWorker:
    """The server's handle on one worker process at a time; thread-safe, one query at a time."""

    def __init__(self, database_path: Path, *, max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES,
                 buffer_pool_bytes: int = 256 << 20) -> None:
        self._path = database_path
        self._max_memory_bytes = max_memory_bytes
        self._buffer_pool_bytes = buffer_pool_bytes
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._pending = b""
        self._generation = 0  # bumped by every write to the graph
        self._process_generation = 0

    def retire(self) -> None:
        """The graph changed: the next query gets a fresh worker. Never waits for a running
        query (a writer must not wait on a reader): a busy worker is replaced after it."""
        self._generation += 1
        if self._lock.acquire(blocking=False):
            try:
                self._stop()
            finally:
                self._lock.release()

    def close(self) -> None:
        with self._lock:
            self._stop()

    def run(self, query: str, parameters: Mapping[str, Any] | None, *, max_rows: int,
            timeout_s: float, max_bytes: int) -> QueryResult:
        request = {"query": query, "parameters": dict(parameters or {}), "max_rows": max_rows,
                   "max_bytes": max_bytes, "timeout_ms": max(1, int(timeout_s * 1000))}
        try:
            line = json.dumps(request, ensure_ascii=False).encode() + b"\n"
        except (TypeError, ValueError) as exc:
            raise QueryError(f"parameters must be JSON values: {exc}") from exc
        with self._lock:
            process = self._started()
            try:
                assert process.stdin is not None
                process.stdin.write(line)
                process.stdin.flush()
            except OSError:
                self._stop()
                raise QueryError("the query worker stopped; try again") from None
            reply = self._reply(process, deadline=time.monotonic() + timeout_s + _KILL_GRACE_S,
                                timeout_s=timeout_s)
        return _result(reply)

    # --- process management (under self._lock) ---------------------------------------------

    def _started(self) -> "subprocess.Popen[bytes]":
        process = self._process
        if process is not None and process.poll() is None \
                and self._process_generation == self._generation:
            return process
        self._stop()
        self._process_generation = self._generation
        if not self._path.exists():
            raise GraphUnavailableError(f"no graph database at {self._path}: ingest a document first")
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")}
        env["OMP_NUM_THREADS"] = "1"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "graph.query_worker", str(self._path),
             str(self._buffer_pool_bytes)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd="/", start_new_session=True)
        self._pending = b""
        ready = self._reply(self._process, deadline=time.monotonic() + _READY_TIMEOUT_S,
                            timeout_s=_READY_TIMEOUT_S)
        if not ready.get("ready"):
            self._stop()
            raise GraphUnavailableError(f"the query worker did not start: {ready.get('message')}")
        return self._process

    def _reply(self, process: "subprocess.Popen[bytes]", *, deadline: float,
               timeout_s: float) -> dict[str, Any]:
        """Read one reply line; kill the worker past the deadline, the memory bound or death."""
        assert process.stdout is not None
        fd = process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._pending:
                now = time.monotonic()
                if now >= deadline:
                    self._stop()
                    raise QueryError(f"query took longer than {timeout_s:g} s")
                if _resident_bytes(process.pid) > self._max_memory_bytes:
                    self._stop()
                    raise QueryError(
                        f"the query used more than {self._max_memory_bytes >> 20} MB of memory")
                if selector.select(min(_MEMORY_POLL_S, deadline - now)):
                    chunk = os.read(fd, 1 << 20)
                    if not chunk:
                        code = process.wait()
                        self._stop()
                        raise QueryError(
                            f"the query crashed the database engine (worker exit {code}); "
                            "the server is unaffected")
                    self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _stop(self) -> None:
        process, self._process = self._process, None
        self._pending = b""
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _result(reply: dict[str, Any]) -> QueryResult:
    if reply.get("ok"):
        return QueryResult(columns=reply["columns"], rows=reply["rows"])
    message = str(reply.get("message", "the query failed"))
    if reply.get("kind") == "read-only":
        raise ReadOnlyViolationError(message)
    raise QueryError(message)


# --- the worker process ----------------------------------------------------------------------

def _sandbox() -> None:
    """No new files, programs or sockets from here on, on every thread of this process."""
    import pyseccomp as seccomp

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    syscall_filter = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in _DENIED_SYSCALLS:
        try:
            syscall_filter.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            continue  # not a syscall on this architecture
    # LadybugDB starts its threads when the database opens: the filter must cover them too.
    syscall_filter.set_attr(seccomp.Attr.CTL_TSYNC, 1)
    syscall_filter.load()


def _serve(path: str, buffer_pool_bytes: int) -> None:
    import ladybug
    import pyseccomp  # noqa: F401  (imported before the sandbox forbids opening files)

    out = sys.stdout.buffer

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message, ensure_ascii=False, default=str).encode() + b"\n")
        out.flush()

    try:
        database = ladybug.Database(path, read_only=True, buffer_pool_size=buffer_pool_bytes,
                                    max_num_threads=2)
        connection = ladybug.Connection(database)
        labels = {int(r[0]): str(r[1]) for r in _fetch(connection.execute(cypher.LADYBUG_TABLES), 10_000)[1]}
        _sandbox()
    except Exception as exc:  # the server reports it; nothing else can be done here
        send({"ready": False, "message": str(exc)})
        return
    send({"ready": True})
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            columns, rows = _run(connection, request, labels)
            send({"ok": True, "columns": columns, "rows": rows})
        except _Refused as exc:
            send({"ok": False, "kind": exc.kind, "message": str(exc)})
        except RuntimeError as exc:
            message = str(exc)
            kind = "read-only" if "read-only" in message else "query"
            if "Interrupted" in message:
                message = f"query took longer than {request['timeout_ms'] / 1000:g} s"
            send({"ok": False, "kind": kind, "message": message})


class _Refused(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _fetch(result: Any, max_rows: int, max_bytes: int = 0) -> tuple[list[str], list[list[Any]]]:
    """Rows one at a time, stopping at ``max_rows`` + 1 or once past ``max_bytes``."""
    columns = list(result.get_column_names())
    rows: list[list[Any]] = []
    size = 0
    while result.has_next():
        if len(rows) >= max_rows:
            raise _Refused("query", f"the query returned more than {max_rows} rows: add a LIMIT")
        row = list(result.get_next())
        if max_bytes:
            size += len(json.dumps(row, ensure_ascii=False, default=str).encode())
            if size > max_bytes:
                raise _Refused("query", f"the result is larger than {max_bytes} bytes: "
                                        "return fewer rows or columns")
        rows.append(row)
    return columns, rows


def _run(connection: Any, request: dict[str, Any], labels: dict[int, str]
         ) -> tuple[list[str], list[list[Any]]]:
    connection.set_query_timeout(int(request["timeout_ms"]))
    columns, rows = _fetch(connection.execute(request["query"], request["parameters"]),
                           int(request["max_rows"]), int(request["max_bytes"]))
    wanted: dict[int, set[int]] = {}
    for value in _walk(rows):
        if isinstance(value, dict) and "_SRC" in value:
            for end in (value["_SRC"], value["_DST"]):
                wanted.setdefault(int(end["table"]), set()).add(int(end["offset"]))
    resolve: dict[tuple[int, int], str] = {}
    for table, offsets in wanted.items():
        _, found = _fetch(connection.execute(cypher.ladybug_node_ids_by_offset(labels[table]),
                                             {"offsets": sorted(offsets)}), len(offsets))
        resolve.update({(table, int(o)): str(i) for o, i in found})
    converted = [[_to_json(v, labels, resolve) for v in row] for row in rows]
    try:
        enforce_result_size(converted, int(request["max_bytes"]))
    except QueryError as exc:
        raise _Refused("query", str(exc)) from exc
    return columns, converted


def _column_value(label: str, name: str, value: Any) -> Any:
    model = cypher.NODE_MODELS.get(label)  # type: ignore[call-overload]
    field = model.model_fields.get(name) if model else None
    if field is None or not isinstance(value, str):
        return value
    annotation = [a for a in get_args(field.annotation) if a is not type(None)] or [field.annotation]
    if annotation[0] in (int, float):
        try:
            return annotation[0](value)
        except ValueError:
            return value
    return value


def _walk(value: Any) -> Any:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value
        if isinstance(value, dict) and "_LABEL" not in value:
            for item in value.values():
                yield from _walk(item)


def _to_json(value: Any, labels: dict[int, str], resolve: dict[tuple[int, int], str]) -> Any:
    if isinstance(value, dict) and "_SRC" in value:
        return {
            "type": value["_LABEL"],
            "start": resolve.get((int(value["_SRC"]["table"]), int(value["_SRC"]["offset"]))),
            "end": resolve.get((int(value["_DST"]["table"]), int(value["_DST"]["offset"]))),
            "properties": {k: _to_json(v, labels, resolve)
                           for k, v in value.items() if not k.startswith("_")},
        }
    if isinstance(value, dict) and "_LABEL" in value and "_ID" in value:
        label = value["_LABEL"]
        # Like Neo4j, a node shows only the properties it has. An unlabelled match unions all
        # tables' columns and coerces clashing types (Section.level to STRING): undo that.
        properties = {k: _to_json(_column_value(label, k, v), labels, resolve)
                      for k, v in value.items() if not k.startswith("_") and v is not None}
        return {"id": properties.get("id"), "labels": [label], "properties": properties}
    if isinstance(value, dict):
        return {k: _to_json(v, labels, resolve) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v, labels, resolve) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):  # sum() of integers is an INT128, which arrives as Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
