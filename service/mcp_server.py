"""The MCP server: the API's reading half as tools a chatbot front end can call.

Built on the official ``mcp`` SDK (``MCPServer``). ``policykg mcp`` speaks it over stdio;
``policykg serve`` mounts it at ``/mcp`` (streamable HTTP, behind the API keys:
``service.api.mcp_http``). Each tool calls the same function as its HTTP route
(``service.catalog``), so answers, limits and errors are the API's. A tool returns its result
as structured content (the route's JSON shape, announced as the tool's output schema) and the
same JSON as text; a failure is a tool error whose structured content is the API's problem
body (``type`` ``https://policykg.dev/problems/<name>``, ``title``, ``status``, ``detail``).
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from graph.base import EntityDetail, EntityLabel, GraphStore, Neighbourhood
from graph.models import QueryResult
from service import catalog
from service.api.ratelimit import ConcurrencyGate
from service.errors import InvalidRequestError
from service.ingest.library import Library
from service.logs import get_logger
from service.problem_types import (
    INTERNAL,
    VALIDATION,
    classify,
    problem_body,
    validation_errors,
)
from service.schemas import (
    CypherRequest,
    DocumentDetailOut,
    EntityList,
    SearchFilters,
    SearchRequest,
    SearchResponse,
    TaskDetailOut,
)
from service.settings import Settings

_log = get_logger("mcp")

INSTRUCTIONS = (
    "policykg answers questions about Chinese government policy documents (work plans, "
    "opinions, notices) from a knowledge graph of their tasks (numbered work items), sections, "
    "programmes, institutions, places and targets. Start with `search`: it takes a question in "
    "Chinese or English and returns the matching tasks with citations and a numbered "
    "`context_text` to quote from; cite [n] as results[n-1]. Follow ids with `get_task`, "
    "`get_document`, `get_entity` and `neighbourhood`; find entities by name with "
    "`list_entities`; use `cypher` for counts and questions the other tools cannot express.")

_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                             open_world_hint=False)


@dataclass(frozen=True)
class ToolServices:
    """What the tools read: the library (graph, indexes, search) and the gate that bounds
    reader Cypher queries running at once (shared with ``/cypher`` when served over HTTP)."""

    library: Library
    cypher_gate: ConcurrencyGate


def build_server(settings: Settings, services: Callable[[], ToolServices]) -> MCPServer:
    """The MCP server with its tools. ``services`` is called on each tool call: over HTTP the
    app builds the library at start-up, after the server is made."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    server = _Server("policykg", title="policykg: Chinese policy documents",
                     instructions=INSTRUCTIONS, version=metadata.version("policykg"),
                     log_level="WARNING")
    # The SDK configures the root logger (a rich handler); ours are JSON lines (service.logs).
    root.handlers[:] = handlers
    root.setLevel(level)
    _add_search_tools(server, settings, services)
    _add_graph_tools(server, settings, services)
    return server


class _Server(MCPServer[Any]):
    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context[Any, Any] | None = None
                        ) -> CallToolResult | InputRequiredResult:
        """As the SDK's, but arguments that fail the tool's schema are the API's 422
        ``validation`` problem, not the SDK's text."""
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if not isinstance(exc.__cause__, ValidationError):
                raise
            return _error(problem_body(VALIDATION, f"the arguments of {name} are not valid",
                                       errors=validation_errors(exc.__cause__.errors())))


def answer(produce: Callable[[], BaseModel]) -> CallToolResult:
    """The tool result of ``produce()``: its JSON as structured content and as text; a failure
    as a tool error carrying the API's problem body."""
    try:
        result = produce()
    except ValidationError as exc:
        problem = problem_body(VALIDATION, "the arguments are not valid",
                               errors=validation_errors(exc.errors()))
        return _error(problem)
    except Exception as exc:
        kind = classify(exc)
        if kind is None:
            _log.error("unexpected error in a tool", exc_info=exc)
            return _error(problem_body(INTERNAL, "unexpected error; the server's log has the "
                                                 "traceback"))
        _log.log(logging.ERROR if kind.status >= 500 else logging.INFO, "%s: %s", kind.type, exc)
        extra = {"errors": exc.errors} if isinstance(exc, InvalidRequestError) else {}
        return _error(problem_body(kind, str(exc), **extra))
    structured = result.model_dump(mode="json")
    return CallToolResult(content=[TextContent(text=_json(structured))],
                          structured_content=structured)


def _error(problem: dict[str, Any]) -> CallToolResult:
    # The text leads with the type and detail: some clients show a model only the text.
    text = f"{problem['type']}: {problem['detail']}\n{_json(problem)}"
    return CallToolResult(content=[TextContent(text=text)], structured_content=problem,
                          is_error=True)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _add_search_tools(server: MCPServer, settings: Settings,
                      services: Callable[[], ToolServices]) -> None:
    @server.tool(annotations=_READ_ONLY)
    def search(
        question: Annotated[str, Field(min_length=1, max_length=settings.search_max_query_chars,
                                       description="the question, in Chinese or English")],
        k: Annotated[int, Field(ge=1, le=settings.search_max_k,
                                description="results per page")] = 10,
        offset: Annotated[int, Field(ge=0, le=10_000,
                                     description="results to skip (next page)")] = 0,
        filters: Annotated[SearchFilters | None, Field(description=(
            "only these documents (ids), years, issuers or places (names or ids); OR within "
            "a field, AND across fields"))] = None,
    ) -> Annotated[CallToolResult, SearchResponse]:
        """Find the tasks (numbered work items) of policy documents that answer a question,
        e.g. "which items involve Shanghai cooperation" or "哪些工作涉及心理健康".

        Each result gives the task (id, number, path such as "四/15", title, text), its
        document (title, 文号 doc_number), section, the evidence sentences with character
        offsets into the task text, and the programmes, institutions, places, cited documents
        and targets it is linked to. `context_text` is the same results as numbered, cited
        passages ready to quote: cite [n] as results[n-1]. When the question names an entity
        and asks for the items about it, `listing` is set and `results` page through all
        `listing.total` of them: ask again with a larger `offset` for the rest. A long task's
        text is cut (`task.text_truncated`); `get_task` with its id returns all of it."""
        return answer(lambda: catalog.search(services().library, SearchRequest(
            query=question, k=k, offset=offset, filters=filters or SearchFilters())))

    @server.tool(annotations=_READ_ONLY)
    def cypher(
        query: Annotated[str, Field(min_length=1, max_length=10_000, description=(
            "one read-only Cypher statement; pass values as $parameters"))],
        parameters: Annotated[dict[str, Any] | None, Field(
            description="values of the query's $parameters")] = None,
    ) -> Annotated[CallToolResult, QueryResult]:
        """Run one read-only Cypher query over the graph and get `{columns, rows}` (rows in
        column order; nodes as {id, labels, properties}). Labels: PolicyDocument, Section,
        Task, Sentence, Programme, Institution, Place, Target. Relationships: HAS_SECTION,
        HAS_TASK, HAS_SENTENCE, CITES, INVOLVES (Task->Institution), ADVANCES (Task->Programme),
        CONCERNS (Task->Place), SETS (Task->Target), LED_BY, MENTIONS (Sentence->entity),
        ISSUED_BY, JURISDICTION, PART_OF (Place->Place). Example: MATCH
        (t:Task)-[:CONCERNS]->(p:Place {name_en: "Shanghai"}) RETURN t.number, t.title.
        Writes are refused (problem type read-only); queries are limited in time and rows
        (add a LIMIT)."""
        def run() -> QueryResult:
            request = CypherRequest(query=query, parameters=parameters or {})
            ready = services()
            with ready.cypher_gate:
                return catalog.cypher(ready.library.components, request)

        return answer(run)


def _add_graph_tools(server: MCPServer, settings: Settings,
                     services: Callable[[], ToolServices]) -> None:
    def store() -> GraphStore:
        return services().library.components.store

    @server.tool(annotations=_READ_ONLY)
    def get_task(task_id: Annotated[str, Field(max_length=200, description="a task id (task_…)")]
                 ) -> Annotated[CallToolResult, TaskDetailOut]:
        """One task in full: its whole text, document, section, linked programmes,
        institutions, places, cited documents and targets, and all of its sentences."""
        return answer(lambda: catalog.task_detail(store(), task_id))

    @server.tool(annotations=_READ_ONLY)
    def get_document(document_id: Annotated[str, Field(max_length=200, description=(
            "a document id (doc_…)"))]) -> Annotated[CallToolResult, DocumentDetailOut]:
        """A policy document: title, 文号, issuer, date, its outline (sections and tasks in
        document order, with task ids), the documents it cites and those citing it, and the
        institutions it was issued by, sent to and copied to."""
        return answer(lambda: catalog.document_detail(store(), document_id))

    @server.tool(annotations=_READ_ONLY)
    def list_entities(
        query: Annotated[str | None, Field(max_length=200, description=(
            "part of a name, an alias or an English name, any case (上海, Shanghai)"))] = None,
        type: Annotated[EntityLabel | None, Field(description="only this kind")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
        offset: Annotated[int, Field(ge=0, le=100_000)] = 0,
    ) -> Annotated[CallToolResult, EntityList]:
        """Find programmes, institutions, places and targets by name: exact matches first,
        then those linked to more tasks. Use an entity's id with `get_entity`."""
        return answer(lambda: catalog.entity_list(store(), type, query, limit=limit,
                                                  offset=offset))

    @server.tool(annotations=_READ_ONLY)
    def get_entity(entity_id: Annotated[str, Field(max_length=200, description=(
            "an entity id (place_…, institution_…, programme_…, target_…)"))]
                   ) -> Annotated[CallToolResult, EntityDetail]:
        """An entity with every task linked to it (and how: concerns, involves, led by, ...)
        and the documents that name it."""
        return answer(lambda: catalog.entity_detail(store(), entity_id))

    @server.tool(annotations=_READ_ONLY)
    def neighbourhood(
        node_id: Annotated[str, Field(min_length=1, max_length=200, description="any node's id")],
        depth: Annotated[int, Field(ge=1, le=3, description="hops, both directions")] = 1,
        limit: Annotated[int, Field(ge=1, le=settings.neighbourhood_max_nodes,
                                    description="the most nodes returned")] = min(
            200, settings.neighbourhood_max_nodes),
        sentences: Annotated[bool, Field(description="include sentence nodes")] = False,
    ) -> Annotated[CallToolResult, Neighbourhood]:
        """The nodes and relationships within `depth` hops of a node, breadth first, up to
        `limit` nodes (`truncated` says when the cap cut it): how a task, document or entity
        connects to the rest of the graph."""
        return answer(lambda: catalog.neighbourhood(store(), node_id, depth=depth, limit=limit,
                                                    sentences=sentences))
