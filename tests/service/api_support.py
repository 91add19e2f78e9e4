"""Helpers shared by the API tests: settings on a temporary data dir (hash embedder), apps
served by a TestClient, small documents to upload, and two API keys."""

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from service.wiring import Components, build_components, build_ingestor
from tests.conftest import SAMPLE, connect_neo4j, neo4j_settings, wipe_neo4j

READER_KEY = "reader-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"


@cache
def _bridge_cache() -> Path:
    """One CC-CEDICT reverse index per test process (building it takes seconds; every app
    warms its search up with it)."""
    from service.search.bridge import QueryBridge

    directory = Path(tempfile.mkdtemp(prefix="policykg-bridge-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    QueryBridge.load(directory)
    return directory


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Open mode (no keys), no rate limit, hash embedder, unless overridden. The data dir
    shares the process's dictionary cache."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "cache").exists() and not (data_dir / "cache").is_symlink():
        (data_dir / "cache").symlink_to(_bridge_cache(), target_is_directory=True)
    values: dict[str, Any] = {"data_dir": data_dir, "embedder": "hash",
                              "rate_limit_per_minute": 0, **overrides}
    return Settings(**values)


def sample_data_dir(data_dir: Path) -> Path:
    """``data_dir`` with the sample ingested (make_settings' defaults), ready for a server."""
    components = build_components(make_settings(data_dir))
    try:
        build_ingestor(components).ingest_path(SAMPLE)
    finally:
        components.close()
    return data_dir


def plan(number: int, tasks: int = 2, extra: str = "") -> bytes:
    """A small work plan with its own 文号 and ``tasks`` numbered items."""
    items = "".join(f"{i}.做好第{number}号方案的第{i}项工作，推进示范学校建设{extra}。\n"
                    for i in range(1, tasks + 1))
    return (f"测试市教育局\n测教〔2024〕{number}号\n关于印发《第{number}号方案》的通知\n\n"
            f"一、重点工作\n\n{items}").encode()


@contextmanager
def serve(settings: Settings, *, sample: bool = False,
          components: Components | None = None) -> Iterator[TestClient]:
    """A client of an app over ``components`` (built from ``settings`` if not given), with
    the sample ingested when asked."""
    ready = components or build_components(settings)
    try:
        if sample:
            build_ingestor(ready).ingest_path(SAMPLE)
        with TestClient(create_app(settings, ready), raise_server_exceptions=False) as client:
            yield client
    finally:
        if components is None:
            ready.close()


@contextmanager
def serve_sample_on(backend: str, data_dir: Path, *, sample: bool = True,
                    **overrides: Any) -> Iterator[TestClient]:
    """A client of an app on ``backend`` (an emptied test Neo4j, or an embedded store under
    ``data_dir``) with the sample ingested (unless not ``sample``); ``overrides`` go to the
    settings."""
    if backend == "neo4j":
        connect_neo4j().close()
        wipe_neo4j()
        cfg = neo4j_settings()
        overrides.update(neo4j_uri=cfg["uri"], neo4j_user=cfg["user"],
                         neo4j_password=cfg["password"])
    with serve(make_settings(data_dir, graph=backend, **overrides), sample=sample) as client:
        yield client


def counts(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything /stats reports: graph counts and both index sizes."""
    response = client.get("/stats", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())
