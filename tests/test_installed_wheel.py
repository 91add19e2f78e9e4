"""What a user installs works: the image's build context (the Dockerfile's COPY list, taken
from a clean export of the tree, so ignored build files cannot hide a gap) builds a wheel; the
wheel, installed with its dependencies into a fresh venv (not editable), ingests the sample,
answers the Shanghai question by CLI, over HTTP when served as the image's CMD serves it, and
over MCP (stdio and the server's /mcp), from a directory outside the checkout. The default
install pulls in no torch."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import ROOT, SAMPLE
from tests.service.lifecycle_support import free_port

# The image's steps, as the Dockerfile writes them; the test below runs the same ones.
IMAGE_COPIES = ["pyproject.toml", "README.md", "graph", "embeddings", "loaders", "service",
                "examples"]
IMAGE_INSTALL = "pip install --no-cache-dir ."
IMAGE_CMD = ["policykg", "serve", "--host", "0.0.0.0", "--port", "8000"]
SHANGHAI_TASKS = {15, 17}


def dockerfile_steps() -> tuple[list[str], list[str], list[str]]:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    copies = [src for line in re.findall(r"^COPY (.+)$", text, re.MULTILINE)
              for src in shlex.split(line)[:-1]]
    installs = re.findall(r"^RUN (pip install .+)$", text, re.MULTILINE)
    cmd = json.loads(re.search(r"^CMD (\[.+\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return copies, installs, cmd


def test_the_test_runs_the_images_own_steps() -> None:
    assert dockerfile_steps() == (IMAGE_COPIES, [IMAGE_INSTALL], IMAGE_CMD)


def clean_export(destination: Path) -> None:
    """The image's build context from the files git knows (tracked, or new and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                             "--", *IMAGE_COPIES], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv with the wheel of a clean export; yields its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    context, dist, venv = work / "context", work / "dist", work / "venv"
    clean_export(context)
    uv = str(Path(sys.executable).with_name("uv"))
    subprocess.run([uv, "build", "--wheel", "--out-dir", str(dist), str(context)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("policykg-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "service/search/data/policy_glossary.tsv" in names
    assert "loaders/entities/data/regions.json" in names
    assert {"service/web/static/index.html", "service/web/static/js/app.js",
            "service/web/static/vendor/cytoscape/cytoscape.esm.min.mjs"} <= names
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True,
                   timeout=120)
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                    str(wheel)], check=True, timeout=1200)
    installed = subprocess.run([uv, "pip", "list", "--python", str(venv / "bin" / "python")],
                               capture_output=True, text=True, check=True).stdout
    assert "torch" not in installed and "mcp " in installed  # torch only with the [st] extra
    yield venv / "bin"


def run_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POLICYKG_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, "POLICYKG_DATA_DIR": str(data_dir), "OMP_NUM_THREADS": "2"}


def task_numbers(results: list[dict[str, object]]) -> set[int]:
    return {int(r["task"]["number"]) for r in results}  # type: ignore[index]


def mcp_shanghai(transport: Any) -> set[int]:
    """The task numbers MCP `search` gives for the Shanghai question, over ``transport`` (an
    SDK client transport: stdio or streamable HTTP)."""
    found: set[int] = set()

    async def run() -> None:
        async with transport as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool(
                "search", {"question": "which items involve Shanghai cooperation", "k": 5})
            assert not result.is_error and result.structured_content is not None
            found.update(task_numbers(result.structured_content["results"]))

    anyio.run(run)
    return found


def test_the_installed_wheel_answers_by_cli_http_and_mcp(installed: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = run_env(outside / "data")
    version = subprocess.run([str(installed / "policykg"), "--version"], cwd=outside, env=env,
                             capture_output=True, text=True, check=True)
    assert re.fullmatch(r"policykg \d+\.\d+\.\d+\S*\n", version.stdout)
    subprocess.run([str(installed / "policykg"), "ingest", str(SAMPLE)], cwd=outside, env=env,
                   check=True, capture_output=True, timeout=600)
    answer = subprocess.run([str(installed / "policykg"), "search", "哪些工作涉及上海合作",
                             "--json", "--k", "5"], cwd=outside, env=env, capture_output=True,
                            text=True, check=True, timeout=300)
    assert task_numbers(json.loads(answer.stdout)["results"]) >= SHANGHAI_TASKS
    cypher = subprocess.run([str(installed / "policykg"), "cypher", "--json",
                             "MATCH (t:Task)-[:CONCERNS]->(p:Place {name_en: 'Shanghai'}) "
                             "RETURN t.number ORDER BY t.number"], cwd=outside, env=env,
                            capture_output=True, text=True, check=True, timeout=300)
    assert {row[0] for row in json.loads(cypher.stdout)["rows"]} == SHANGHAI_TASKS
    stdio = StdioServerParameters(command=str(installed / "policykg"), args=["mcp"], env=env,
                                  cwd=str(outside))
    with tempfile.TemporaryFile("w+") as errlog:
        assert mcp_shanghai(stdio_client(stdio, errlog=errlog)) >= SHANGHAI_TASKS

    port = free_port()
    command = [str(installed / IMAGE_CMD[0]), *IMAGE_CMD[1:]]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    server = subprocess.Popen(command, cwd=outside, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        health = None
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    health = json.load(response)
                break
            except OSError:
                time.sleep(0.2)
        assert health is not None and health["status"] in ("ok", "degraded")
        query = urllib.parse.urlencode({"q": "which items involve Shanghai cooperation", "k": 5})
        with urllib.request.urlopen(f"{base}/search?{query}", timeout=60) as response:
            results = json.load(response)["results"]
        assert task_numbers(results) >= SHANGHAI_TASKS
        assert mcp_shanghai(streamable_http_client(f"{base}/mcp")) >= SHANGHAI_TASKS
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:  # the web page
            assert b'src="/static/js/app.js"' in response.read()
        with urllib.request.urlopen(f"{base}/static/js/app.js", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
    finally:
        server.terminate()
        server.wait(timeout=30)
