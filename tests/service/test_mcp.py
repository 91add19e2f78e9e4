"""The MCP server through the SDK's own client: `policykg mcp` over stdio and `policykg serve`'s
/mcp over streamable HTTP, each a real process on a data dir holding the ingested sample (hash
embedder: these tests are about the protocol, the tools and access, not the model). The
Shanghai question answered both ways is the issue's "done when"."""

import json
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from tests.conftest import ROOT
from tests.service.api_support import READER_KEY, sample_data_dir
from tests.service.lifecycle_support import POLICYKG, free_port, subprocess_env, wait_until_serving

TOOLS = {"search", "get_task", "get_document", "list_entities", "get_entity", "neighbourhood",
         "cypher"}
SHANGHAI_TASKS = {15, 17}
PROBLEM = "https://policykg.dev/problems/"
Session = Callable[[ClientSession], Awaitable[None]]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_data_dir(tmp_path_factory.mktemp("mcp") / "data")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    """`policykg serve` with a reader key, holding the embedded database; yields /mcp's URL."""
    port = free_port()
    env = subprocess_env("embedded", data_dir, POLICYKG_READER_KEYS=READER_KEY)
    log = (data_dir.parent / "serve.log").open("w+b")  # a file: a full pipe would stall it
    process = subprocess.Popen([*POLICYKG, "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    def log_text() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")

    try:
        wait_until_serving(base, process, log_text)
        yield f"{base}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def over_stdio(data_dir: Path, check: Session) -> str:
    """Run ``check`` on a session with `policykg mcp`; returns what the process wrote to stderr."""
    params = StdioServerParameters(command=sys.executable, args=[*POLICYKG[1:], "mcp"],
                                   env=subprocess_env("embedded", data_dir), cwd=str(ROOT))

    async def run() -> None:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            await check(session)

    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        anyio.run(run)
        errlog.seek(0)
        return errlog.read()


def over_http(url: str, headers: dict[str, str], check: Session) -> None:
    async def run() -> None:
        async with httpx2.AsyncClient(headers=headers, timeout=60) as client, \
                streamable_http_client(url, http_client=client) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            await check(session)

    anyio.run(run)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    # The same JSON as text, for clients that show a model only the text.
    assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]
    return result.structured_content


def problem(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error
    assert result.structured_content is not None
    return result.structured_content


def task_numbers(answer: dict[str, Any]) -> set[int]:
    return {r["task"]["number"] for r in answer["results"]}


async def answers_shanghai(session: ClientSession) -> None:
    english = structured(await session.call_tool(
        "search", {"question": "which items involve Shanghai cooperation", "k": 5}))
    assert task_numbers(english) == SHANGHAI_TASKS
    assert english["listing"]["total"] == 2 and english["listing"]["entity"]["name"] == "上海"
    first = english["results"][0]
    assert first["task"]["document"]["doc_number"] == "太教〔2021〕1号"
    assert english["context_text"].startswith("[1] 《2021年度教育工作要点》（太教〔2021〕1号）")
    chinese = structured(await session.call_tool("search", {"question": "哪些工作涉及上海合作"}))
    assert task_numbers(chinese) >= SHANGHAI_TASKS


def test_stdio_tools_answer_the_shanghai_question_with_citations(data_dir: Path) -> None:
    async def check(session: ClientSession) -> None:
        tools = (await session.list_tools()).tools
        assert {t.name for t in tools} == TOOLS
        assert all(t.output_schema and len(t.description or "") > 80 for t in tools)
        assert all(t.annotations and t.annotations.read_only_hint for t in tools)
        await answers_shanghai(session)

        rows = structured(await session.call_tool("cypher", {
            "query": "MATCH (t:Task)-[:CONCERNS]->(p:Place {name_en: $en}) RETURN t.number AS n "
                     "ORDER BY n", "parameters": {"en": "Shanghai"}}))
        assert rows == {"columns": ["n"], "rows": [[15], [17]]}
        answer = structured(await session.call_tool("search", {"question": "上海", "k": 1}))
        task = structured(await session.call_tool(
            "get_task", {"task_id": answer["results"][0]["task"]["id"]}))
        assert task["task"]["number"] in SHANGHAI_TASKS and task["sentences"]
        document = structured(await session.call_tool(
            "get_document", {"document_id": task["task"]["document"]["id"]}))
        assert document["document"]["doc_number"] == "太教〔2021〕1号"
        assert len(document["tasks"]) == 25
        places = structured(await session.call_tool(
            "list_entities", {"query": "Shanghai", "type": "Place"}))
        shanghai = places["entities"][0]
        assert shanghai["name"] == "上海"
        entity = structured(await session.call_tool("get_entity", {"entity_id": shanghai["id"]}))
        assert {t["number"] for t in entity["tasks"]} >= SHANGHAI_TASKS
        around = structured(await session.call_tool("neighbourhood", {"node_id": shanghai["id"]}))
        assert shanghai["id"] in {n["id"] for n in around["nodes"]}

    stderr = over_stdio(data_dir, check)
    assert f"opened {data_dir / 'graph.lbug'} read-only" in stderr


def test_stdio_errors_are_tool_errors_with_the_apis_problem_types(data_dir: Path) -> None:
    async def check(session: ClientSession) -> None:
        write = problem(await session.call_tool("cypher", {"query": "CREATE (:Task {id: 'x'})"}))
        assert (write["type"], write["status"]) == (PROBLEM + "read-only", 403)
        missing = problem(await session.call_tool("get_task", {"task_id": "task_nope"}))
        assert (missing["type"], missing["status"]) == (PROBLEM + "not-found", 404)
        assert missing["detail"] == "no task with id task_nope"
        broken = problem(await session.call_tool("cypher", {"query": "MATCH (t:Task RETURN t"}))
        assert broken["type"] == PROBLEM + "query-error"
        too_long = problem(await session.call_tool("search", {"question": "上" * 501}))
        assert (too_long["type"], too_long["status"]) == (PROBLEM + "validation", 422)
        assert too_long["errors"][0]["loc"] == ["question"]
        # The data is unchanged after the refused write.
        rows = structured(await session.call_tool(
            "cypher", {"query": "MATCH (t:Task) RETURN count(t) AS n"}))
        assert rows["rows"] == [[25]]

    over_stdio(data_dir, check)


def test_http_with_a_reader_key_answers_the_shanghai_question(server: str) -> None:
    async def check(session: ClientSession) -> None:
        assert {t.name for t in (await session.list_tools()).tools} == TOOLS
        await answers_shanghai(session)
        write = problem(await session.call_tool("cypher", {"query": "MATCH (t:Task) DELETE t"}))
        assert write["type"] == PROBLEM + "read-only"

    over_http(server, {"Authorization": f"Bearer {READER_KEY}"}, check)
    over_http(server, {"X-API-Key": READER_KEY}, answers_shanghai)


def test_http_refuses_a_wrong_key_or_none(server: str) -> None:
    async def never(session: ClientSession) -> None:
        raise AssertionError("a session opened with a wrong key")

    # The SDK client reports the 401 as an MCPError from initialize; the raw requests below
    # show the status and the problem body.
    with pytest.raises(ExceptionGroup) as refused:
        over_http(server, {"Authorization": "Bearer wrong-key-0123456789abcdef"}, never)
    assert refused.group_contains(MCPError, depth=None)
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    for headers in ({"X-API-Key": "wrong-key-0123456789abcdef"}, {}):
        response = httpx.post(server, json=initialize, headers={**accept, **headers}, timeout=30)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == PROBLEM + "unauthenticated"
    allowed = httpx.post(server, json=initialize, headers={**accept, "X-API-Key": READER_KEY},
                         timeout=30)
    assert allowed.status_code == 200 and allowed.json()["result"]["serverInfo"]["name"] == "policykg"
    metrics = httpx.get(server.replace("/mcp", "/metrics"), headers={"X-API-Key": READER_KEY},
                        timeout=30).text
    assert 'route="/mcp",status="401"' in metrics and 'route="/mcp",status="200"' in metrics


def test_stdio_beside_a_serving_server_reads_read_only_and_says_so(server: str, data_dir: Path) -> None:
    stderr = over_stdio(data_dir, answers_shanghai)
    assert "holds" in stderr and "opened it read-only beside it" in stderr


def test_policykg_mcp_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run([*POLICYKG, "mcp"], env=subprocess_env("embedded", tmp_path / "none"),
                            cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                            check=False)
    assert result.returncode == 1 and "ingest a document first" in result.stderr
    assert result.stdout == ""  # stdout carries only the protocol

