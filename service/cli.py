"""The ``policykg`` command line: ingest, search, cypher, delete, eval, serve."""

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from embeddings.errors import EmbeddingError
from graph.errors import GraphError
from loaders.errors import LoaderError
from service.settings import Settings, get_settings
from service.wiring import Components, build_components, build_ingestor, build_search

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Knowledge graph and search over Chinese policy documents.")
console = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep and logs


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _components(*, read_only: bool = False) -> Components:
    try:
        return build_components(get_settings(), read_only=read_only)
    except (GraphError, EmbeddingError) as exc:
        raise _fail(str(exc)) from exc


def _files(paths: list[Path]) -> list[Path]:
    from loaders.files import SUPPORTED_SUFFIXES

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES))
        elif path.exists():
            files.append(path)
        else:
            raise _fail(f"{path}: no such file or directory")
    return files


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="files or directories")]) -> None:
    """Load documents into the graph and the search indexes (re-loading is idempotent)."""
    from loaders.files import load_file

    files = _files(paths)
    components = _components()
    ingestor = build_ingestor(components)
    failures: list[str] = []
    started = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        file_bar = progress.add_task("files", total=len(files))
        sentence_bar = progress.add_task("embeddings", total=None)
        for path in files:
            progress.update(file_bar, description=f"files ({path.name})")
            try:
                loaded = load_file(path)
                progress.update(sentence_bar, total=len(loaded.batch.sentences), completed=0)
                report = ingestor.ingest_loaded(
                    loaded, progress=lambda n: progress.advance(sentence_bar, n))
            except (LoaderError, GraphError, EmbeddingError) as exc:
                failures.append(f"{path}: {exc}")
                console.print(f"[red]failed[/red] {exc}")
            else:
                console.print(
                    f"[green]ingested[/green] {report.title} ({report.doc_id}): "
                    f"{report.sections} sections, {report.tasks} tasks, "
                    f"{report.sentences} sentences, {report.embedded} embedded"
                    + (f", {report.removed_tasks} tasks removed" if report.removed_tasks else ""))
            progress.advance(file_bar)
    components.close()
    console.print(f"{len(files) - len(failures)} of {len(files)} files ingested "
                  f"in {time.perf_counter() - started:.1f} s")
    if failures:
        raise typer.Exit(code=1)


@app.command()
def delete(doc_id: str) -> None:
    """Remove a document, its tasks and vectors; shared entities stay while others use them."""

    components = _components()
    try:
        deleted = build_ingestor(components).delete(doc_id)
    finally:
        components.close()
    if not deleted:
        raise _fail(f"no ingested document with id {doc_id}")
    console.print(f"deleted {doc_id}")


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="results per page")] = 10,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print the API's JSON body")] = False,
) -> None:
    """Search tasks by a question in Chinese or English."""

    components = _components(read_only=True)
    try:
        response = build_search(components).search(query, k=k, offset=offset)
    finally:
        components.close()
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    out = Console()
    if response.listing:
        out.print(f"{response.listing.total} tasks linked to {response.listing.entity}")
    for i, result in enumerate(response.results, offset + 1):
        task = result.task
        out.print(f"[bold]{i}. {task.document.title} {task.path} {task.title}[/bold] "
                  f"score {result.score:.3f} ({', '.join(result.matched_by)})")
        for evidence in result.evidence[:2]:
            out.print(f"   {evidence.text}")
    out.print(f"[dim]{response.took_ms:.0f} ms[/dim]")


@app.command()
def cypher(
    query: str,
    params: Annotated[str, typer.Option("--params", help="parameters as a JSON object")] = "{}",
    as_json: Annotated[bool, typer.Option("--json", help="print {columns, rows}")] = False,
) -> None:
    """Run a read-only Cypher query."""
    from graph.errors import QueryError, ReadOnlyViolationError
    from service.wiring import build_graph_store

    settings = get_settings()
    try:
        parameters = json.loads(params)
    except json.JSONDecodeError as exc:
        raise _fail(f"--params is not JSON: {exc}") from exc
    try:
        store = build_graph_store(settings, read_only=True)
    except GraphError as exc:
        raise _fail(str(exc)) from exc
    try:
        result = store.run_read(query, parameters, max_rows=settings.cypher_max_rows,
                                timeout_s=settings.cypher_timeout_s)
    except (ReadOnlyViolationError, QueryError) as exc:
        raise _fail(str(exc)) from exc
    finally:
        store.close()
    if as_json:
        sys.stdout.write(json.dumps(result.model_dump(), ensure_ascii=False) + "\n")
        return
    table = Table(*result.columns)
    for row in result.rows:
        table.add_row(*(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                        for v in row))
    Console().print(table)


@app.command("eval")
def evaluate(questions_file: Path,
             as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Recall@1/5/10 and MRR per language over a JSONL file of questions."""
    from service.evaluation import CUTOFFS, load_questions, score, scores_json

    try:
        questions = load_questions(questions_file)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    components = _components(read_only=True)
    try:
        scores = score(build_search(components), questions)
    finally:
        components.close()
    if as_json:
        sys.stdout.write(scores_json(scores) + "\n")
        return
    table = Table("language", "questions", *(f"recall@{k}" for k in CUTOFFS), "MRR",
                  title=f"{questions_file.name}")
    for lang, s in sorted(scores.items()):
        table.add_row(lang, str(s.questions), *(f"{s.recall[k]:.3f}" for k in CUTOFFS),
                      f"{s.mrr:.3f}")
    Console().print(table)


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1",
          port: Annotated[int, typer.Option()] = 8000) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from service.api import create_app

    settings: Settings = get_settings()
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


if __name__ == "__main__":
    app()
