"""What search reads from the graph, held in memory between writes.

Every search needs the same few things from the graph: the entities a question may name, the
tasks linked to them, and for a result page each task's record, sentences and context. Read
statement by statement they cost a few milliseconds per question (a third of a search over the
45-document corpus); read once they cost well under a second for that corpus, growing linearly
with the sentences. A store builds a snapshot on request and drops it on its next write
(``GraphStore.search_snapshot``).

Sentences, the bulk of it, are held as columns (one string of every text, arrays of offsets and
ordinals, each sentence's task id shared with its task), not as one record object each: a
record object per sentence cost ~2.5 KB and a pydantic construction per row (bench/index_scale.py);
records are built for the few sentences a result page shows.
"""

import gc
import pickle
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from graph.durable_file import replace_durably
from graph.ids import section_id
from graph.models import (
    TASK_CONTEXT_EDGES,
    EntityNames,
    NodeLabel,
    PolicyDocument,
    Sentence,
    Task,
    TaskContext,
    TaskLink,
)

# The entities a question can name, and the task-level edge that links each to its tasks.
LINKABLE_EDGES: tuple[tuple[str, NodeLabel], ...] = tuple(
    (rel_type, label) for _, rel_type, label in TASK_CONTEXT_EDGES if label != "Target")
_CONTEXT_KEY: dict[str, str] = {rel_type: key for key, rel_type, _ in TASK_CONTEXT_EDGES}
_LINKABLE_TYPES = frozenset(rel_type for rel_type, _ in LINKABLE_EDGES)
_LINKABLE_LABELS = frozenset(label for _, label in LINKABLE_EDGES)
_SCOPE_TYPES = frozenset({"JURISDICTION", "ISSUED_BY"})  # the document edges a question scopes by
_SEPARATOR = "\x00"  # between sentence texts searched as one string; never in a needle
#: (id, task id, ordinal, text, start, end) of a sentence, as a store reads it.
SentenceRow = tuple[str, str, int, str, int, int]
_FILE_FORMAT = "policykg-search-snapshot-2"  # change it when the snapshot's attributes change


def task_contexts(task_ids: Sequence[str], tasks: Mapping[str, Task],
                  links: Mapping[str, Sequence[tuple[str, str]]],
                  nodes: Mapping[str, Any]) -> dict[str, TaskContext]:
    """The contexts of those ``task_ids`` that are among ``tasks``, from each task's edges
    (relationship type, node id) and the nodes by id; a task whose document is not among the
    nodes (it went away between two reads) is left out too."""
    contexts: dict[str, TaskContext] = {}
    for task_id in task_ids:
        task = tasks.get(task_id)
        context = _task_context(task, links.get(task_id, ()), nodes) if task else None
        if context is not None:
            contexts[task_id] = context
    return contexts


def _task_context(task: Task, links: Iterable[tuple[str, str]],
                  nodes: Mapping[str, Any]) -> TaskContext | None:
    document = nodes.get(task.doc_id)
    if document is None:
        return None
    lists: dict[str, list[Any]] = {key: [] for key, _, _ in TASK_CONTEXT_EDGES}
    for rel_type, node_id in links:
        node = nodes.get(node_id)
        if node is not None:
            lists[_CONTEXT_KEY[rel_type]].append(node)
    for members in lists.values():
        members.sort(key=lambda m: str(getattr(m, "name", None) or getattr(m, "title", None)
                                       or getattr(m, "text", "")))
    # A task's section is the one whose path its own path extends by one label (the outline's
    # invariant), so it is found by id, not by walking HAS_TASK.
    section = (nodes.get(section_id(task.doc_id, task.path.rsplit("/", 1)[0]))
               if "/" in task.path else None)
    return TaskContext.model_construct(
        task=task, document=document, section=section, programmes=lists["programmes"],
        institutions=lists["institutions"], places=lists["places"],
        documents=lists["documents"], targets=lists["targets"])


def _grouped_links(task_links: Iterable[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for task_id, rel_type, node_id in task_links:
        grouped.setdefault(task_id, []).append((rel_type, node_id))
    return grouped


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a snapshot's many objects are made: the collector
    walked every object alive again and again as they were allocated, which took half of a
    load from a saved file (bench/snapshot_update.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _file_format() -> tuple[str, str]:
    """What a saved snapshot must have been written by: this format, this release (a release
    may change the models the snapshot holds)."""
    return _FILE_FORMAT, version("policykg")


def _empty() -> "GraphSnapshot":
    return GraphSnapshot(nodes={}, tasks={}, sentences=[], task_links=[], mentions=[], place_parts=[])


class GraphSnapshot:
    """The graph as search reads it: documents, sections, entities, tasks, sentences, the
    tasks' context edges, sentence mentions and PART_OF, fixed when read."""

    def __init__(self, nodes: Mapping[str, Any], tasks: Mapping[str, Task],
                 sentences: Iterable[SentenceRow], task_links: Iterable[tuple[str, str, str]],
                 mentions: Iterable[tuple[str, str]], place_parts: Iterable[tuple[str, str]],
                 document_links: Iterable[tuple[str, str, str]] = (),
                 leads: Iterable[tuple[str, str]] = ()) -> None:
        """``nodes``: documents, sections and entities by id; ``sentences``: (id, task id,
        ordinal, text, start, end) of every sentence; ``task_links``: (task id,
        relationship type, node id) for every context edge; ``mentions``: (sentence id, entity
        id); ``place_parts``: (member id, region id); ``document_links``: (document id,
        type, node id) of every edge out of a document (JURISDICTION and ISSUED_BY scope
        searches); ``leads``: (task id, institution
        id) of every LED_BY edge."""
        self._set_nodes(nodes, place_parts, document_links)
        self._tasks = dict(tasks)
        self._load_sentences(sentences)
        self._set_links(_grouped_links(task_links))
        # entity -> the rows of the sentences that mention it, ascending: 4 bytes a mention
        # (a (task, entity) -> [sentence id] map cost 117 bytes per sentence).
        self._mention_rows: dict[str, array[int]] = {}
        self._add_mentions(list(mentions))
        self._led: dict[str, set[str]] = {}  # institution -> the tasks it leads
        for task_id, institution_id in leads:
            self._led.setdefault(institution_id, set()).add(task_id)

    def replaced(self, doc_ids: Iterable[str], *, nodes: Mapping[str, Any], tasks: Mapping[str, Task],
                 sentences: Iterable[SentenceRow], task_links: Iterable[tuple[str, str, str]],
                 mentions: Iterable[tuple[str, str]], place_parts: Iterable[tuple[str, str]],
                 document_links: Iterable[tuple[str, str, str]], leads: Iterable[tuple[str, str]],
                 ) -> "GraphSnapshot":
        """A new snapshot: this one with the documents ``doc_ids`` as they are stored now.
        ``tasks``, ``sentences``, ``task_links``, ``mentions`` and ``leads`` are those of these
        documents' tasks alone (none for a deleted document); ``nodes``, ``place_parts`` and
        ``document_links`` are whole, as the constructor takes them (they are few). After a
        write this costs the written documents plus a pass over the columns, where reading
        every sentence row back cost the whole store (bench/snapshot_update.py)."""
        gone = self._tasks_of(doc_ids)
        new = GraphSnapshot.__new__(GraphSnapshot)
        new._set_nodes(nodes, place_parts, document_links)
        new._tasks = {t: task for t, task in self._tasks.items() if t not in gone}
        new._tasks.update(tasks)
        links = {t: edges for t, edges in self._links.items() if t not in gone}
        links.update(_grouped_links(task_links))
        new._set_links(links)
        new._led = {i: kept for i, led in self._led.items() if (kept := led - gone)}
        for task_id, institution_id in leads:
            new._led.setdefault(institution_id, set()).add(task_id)

        # Sentence columns: the kept rows keep their order; the fresh rows, sorted, are merged
        # in by position (both are in id order), so nothing is sorted or re-read whole.
        count = len(self._ids)
        keep = np.fromiter((t not in gone for t in self._task_of), dtype=bool, count=count)
        fresh = sorted(sentences)
        fresh_ids = np.array([r[0].encode() for r in fresh], dtype=np.bytes_)
        kept_ids = self._ids[keep]
        width = max(kept_ids.dtype.itemsize, fresh_ids.dtype.itemsize, 1)
        total = len(kept_ids) + len(fresh)
        is_fresh = np.zeros(total, dtype=bool)
        is_fresh[np.searchsorted(kept_ids, fresh_ids) + np.arange(len(fresh))] = True
        ids = np.empty(total, dtype=f"S{width}")
        ids[~is_fresh], ids[is_fresh] = kept_ids, fresh_ids
        new._ids = ids
        task_names = {t: t for t in new._tasks}
        task_of = np.empty(total, dtype=object)
        task_of[~is_fresh] = np.array(self._task_of, dtype=object)[keep] if count else []
        task_of[is_fresh] = [task_names.get(r[1], r[1]) for r in fresh]
        new._task_of = task_of.tolist()
        numbers = np.empty((total, 3), dtype=np.int64)
        numbers[~is_fresh] = np.frombuffer(self._numbers, dtype=np.int64).reshape(-1, 3)[keep]
        numbers[is_fresh] = np.array([(r[2], r[4], r[5]) for r in fresh], dtype=np.int64).reshape(-1, 3)
        new._numbers = array("q", numbers.tobytes())
        texts = np.empty(total, dtype=object)
        texts[~is_fresh] = np.array(self._text.split(_SEPARATOR) if count else [], dtype=object)[keep]
        texts[is_fresh] = [r[3].replace(_SEPARATOR, " ") for r in fresh]
        new._set_text(texts.tolist())

        # Mentions: the kept rows renumbered, then the fresh documents' mentions added.
        renumbered = np.full(count, -1, dtype=np.int64)
        renumbered[keep] = np.flatnonzero(~is_fresh)
        new._mention_rows = {}
        for entity_id, rows in self._mention_rows.items():
            moved = renumbered[np.frombuffer(rows, dtype=np.int32)] if len(rows) else renumbered[:0]
            moved = moved[moved >= 0]
            if len(moved):
                new._mention_rows[entity_id] = array("i", moved.astype(np.int32).tobytes())
        new._add_mentions(list(mentions))
        return new

    def document_nodes(self, doc_ids: Iterable[str]) -> set[str]:
        """The documents, their sections, the nodes their tasks link to (context edges and
        leads; every mention has such an edge) and the nodes they link to (issuers, recipients,
        jurisdictions, citations): what a write
        of these documents may have changed or pruned, as this snapshot saw them."""
        docs = set(doc_ids)
        tasks = self._tasks_of(docs)
        found = set(docs)
        found.update(n.id for n in self._nodes.values() if getattr(n, "doc_id", None) in docs)
        found.update(node for t in tasks for _, node in self._links.get(t, ()))
        found.update(i for i, led in self._led.items() if not led.isdisjoint(tasks))
        found.update(n for d in docs for n in self._document_nodes.get(d, ()))
        return found

    def _tasks_of(self, doc_ids: Iterable[str]) -> set[str]:
        docs = set(doc_ids)
        return {t for t, task in self._tasks.items() if task.doc_id in docs}

    def places_around(self, place_ids: Iterable[str]) -> set[str]:
        """The places a write that takes these places' edges away may prune with them
        (``cypher.prune_orphans``): their direct members (上海 stands by 江浙沪), and the regions
        of both, directly or not (江苏 stands by 太仓)."""
        regions_by_member: dict[str, list[str]] = {}
        for region, members in self._members.items():
            for member in members:
                regions_by_member.setdefault(member, []).append(region)
        places = set(place_ids)
        found = {m for p in places for m in self._members.get(p, ())}
        stack = [*places, *found]
        while stack:
            for region in regions_by_member.get(stack.pop(), ()):
                if region not in found:
                    found.add(region)
                    stack.append(region)
        return found - places

    @property
    def nodes(self) -> Mapping[str, Any]:
        """Documents, sections and entities by id, as read with this snapshot."""
        return self._nodes

    def _set_nodes(self, nodes: Mapping[str, Any], place_parts: Iterable[tuple[str, str]],
                   document_links: Iterable[tuple[str, str, str]]) -> None:
        self._documents_by_node: dict[str, set[str]] = {}  # what scopes a search
        self._document_nodes: dict[str, set[str]] = {}  # every edge out of a document
        for doc_id, rel_type, node_id in document_links:
            if rel_type in _SCOPE_TYPES:
                self._documents_by_node.setdefault(node_id, set()).add(doc_id)
            self._document_nodes.setdefault(doc_id, set()).add(node_id)
        self._nodes = nodes
        # Read on every search that names a place or year (document scope): listed once.
        self._documents = [n for n in nodes.values() if isinstance(n, PolicyDocument) and n.ingested]
        # Looked up per question by the document scope: indexed, so that a question costs the
        # same with 50 documents or 5,000.
        self._notice_of = {d.id: d.notice_id for d in self._documents if d.notice_id}
        self._documents_by_year: dict[int, set[str]] = {}
        self._documents_by_number: dict[str, set[str]] = {}
        for document in self._documents:
            if document.year is not None:
                self._documents_by_year.setdefault(document.year, set()).add(document.id)
            if document.doc_number:
                self._documents_by_number.setdefault(document.doc_number, set()).add(document.id)
        self._members: dict[str, list[str]] = {}
        for member, region in place_parts:
            self._members.setdefault(region, []).append(member)

    def _set_links(self, links: dict[str, list[tuple[str, str]]]) -> None:
        self._links = links
        self._entity_tasks: dict[str, list[str]] = {}
        for task_id, edges in links.items():
            for rel_type, node_id in edges:
                if rel_type in _LINKABLE_TYPES:
                    self._entity_tasks.setdefault(node_id, []).append(task_id)

    def _add_mentions(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Add (sentence id, entity id) pairs to the rows per entity; unknown sentences are
        left out."""
        rows = self._rows_of([sentence_id for sentence_id, _ in pairs]).tolist()
        mentioned: dict[str, set[int]] = {}
        for (_, entity_id), row in zip(pairs, rows, strict=True):
            if row >= 0:
                mentioned.setdefault(entity_id, set()).add(row)
        for entity_id, found in mentioned.items():
            found.update(self._mention_rows.get(entity_id, ()))
            self._mention_rows[entity_id] = array("i", sorted(found))

    def _load_sentences(self, sentences: Iterable[SentenceRow]) -> None:
        """The columns, in sentence id order. Every text in one string: a verbatim search is
        one C-level scan per needle, and a sentence's text is a slice of it."""
        ordered = sorted(sentences)
        task_ids = {t: t for t in self._tasks}  # one string per task, shared by its sentences
        # Sorted bytes of fixed width: a sentence's row is found by bisection, and an id costs
        # its 25 bytes (a list of str cost 82 bytes per sentence, a dict of id -> row 118 more).
        self._ids: npt.NDArray[np.bytes_] = np.array([r[0].encode() for r in ordered], dtype=np.bytes_)
        self._task_of: list[str] = [task_ids.get(r[1], r[1]) for r in ordered]
        self._numbers = array("q", [n for r in ordered for n in (r[2], r[4], r[5])])  # ordinal, start, end
        self._set_text([r[3].replace(_SEPARATOR, " ") for r in ordered])

    def _set_text(self, texts: list[str]) -> None:
        """The texts (free of the separator) in row order, as one string and each one's start."""
        self._text = _SEPARATOR.join(texts)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        starts = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        self._starts = array("q", starts.tobytes())  # and the end of the last text, plus one

    def _rows_of(self, sentence_ids: Sequence[str]) -> npt.NDArray[np.int64]:
        """The row of each sentence id; -1 for an unknown one."""
        if not sentence_ids or not len(self._ids):
            return np.full(len(sentence_ids), -1, dtype=np.int64)
        keys = np.array([s.encode() for s in sentence_ids], dtype=np.bytes_)
        rows = np.minimum(np.searchsorted(self._ids, keys), len(self._ids) - 1)
        # A key longer than the ids' width would compare equal to its truncation: not found.
        found = (self._ids[rows] == keys) & (np.char.str_len(keys) <= self._ids.dtype.itemsize)
        return np.where(found, rows, -1)

    def _id(self, row: int) -> str:
        return str(self._ids[row].decode())

    def _sentence(self, row: int) -> Sentence:
        ordinal, start, end = self._numbers[3 * row:3 * row + 3]
        return Sentence.model_construct(
            id=self._id(row), task_id=self._task_of[row], ordinal=ordinal,
            text=self._text[self._starts[row]:self._starts[row + 1] - 1], start=start, end=end)

    def save(self, path: Path, token: str) -> None:
        """Write the snapshot to ``path``, tagged with ``token`` (what the store's write
        marker says of the graph it was read from), durably (``replace_durably``). Pickled:
        the file sits beside the database, and whoever can write one can write the other."""
        def write(file: BinaryIO) -> None:
            pickle.dump((*_file_format(), token), file, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(self.__dict__, file, protocol=pickle.HIGHEST_PROTOCOL)

        replace_durably(path, write)

    @classmethod
    def load(cls, path: Path, token: str) -> "GraphSnapshot | None":
        """The snapshot saved at ``path`` when it is tagged with ``token``; None when there is
        none, or it is another one (the graph was written since, or an older format)."""
        try:
            with path.open("rb") as file, collector_paused():
                if pickle.load(file) != (*_file_format(), token):
                    return None
                state = pickle.load(file)
        except FileNotFoundError:
            return None
        if not isinstance(state, dict) or state.keys() != _empty().__dict__.keys():
            return None
        snapshot = cls.__new__(cls)
        snapshot.__dict__.update(state)
        return snapshot

    @property
    def sentence_count(self) -> int:
        return len(self._ids)

    @property
    def task_count(self) -> int:
        return len(self._tasks)

    def sentence_rows(self) -> Iterator[tuple[str, str, str, str]]:
        """(sentence id, task id, document id, text) of every sentence, in id order, from the
        columns: what a server's start-up check compares its indexes with, without reading the
        graph again or making a record per sentence."""
        texts = self._text.split(_SEPARATOR) if len(self._ids) else []
        for raw_id, task_id, text in zip(self._ids.tolist(), self._task_of, texts, strict=True):
            task = self._tasks.get(task_id)
            yield raw_id.decode(), task_id, task.doc_id if task else "", text

    def documents(self) -> list[PolicyDocument]:
        """The ingested documents (not those known only from citations), in no order."""
        return list(self._documents)

    def sentences(self, sentence_ids: Sequence[str]) -> dict[str, Sentence]:
        """Sentences by id; unknown ids are left out."""
        rows = self._rows_of(sentence_ids).tolist()
        return {s: self._sentence(row) for s, row in zip(sentence_ids, rows, strict=True) if row >= 0}

    def sentence_starts(self, sentence_ids: Sequence[str]) -> dict[str, int]:
        """Where each sentence starts in its task, by id; unknown ids are left out. What
        ordering evidence needs, without a record per sentence (``sentences``)."""
        rows = self._rows_of(sentence_ids).tolist()
        numbers = self._numbers
        return {s: numbers[3 * row + 1] for s, row in zip(sentence_ids, rows, strict=True) if row >= 0}

    def task_contexts(self, task_ids: Sequence[str]) -> dict[str, TaskContext]:
        """As ``GraphStore.task_contexts``; unknown ids are left out."""
        return task_contexts(task_ids, self._tasks, self._links, self._nodes)

    def entity_names(self) -> list[EntityNames]:
        """Every Programme, Institution, Place and PolicyDocument with the names a question
        may use for it (a document: its title, with its 文号 as an alias)."""
        names: list[EntityNames] = []
        for node in self._nodes.values():
            label = type(node).__name__
            if label not in _LINKABLE_LABELS:
                continue
            if isinstance(node, PolicyDocument):
                names.append(EntityNames(id=node.id, label="PolicyDocument", name=node.title,
                                         aliases=[node.doc_number] if node.doc_number else []))
            else:
                names.append(EntityNames(id=node.id, label=label, name=node.name,
                                         aliases=list(node.aliases or []),
                                         name_en=getattr(node, "name_en", None)))
        return sorted(names, key=lambda n: n.id)

    def entity_task_links(self, entity_ids: Sequence[str]) -> list[TaskLink]:
        """The task-level edges (ADVANCES, INVOLVES, CONCERNS, CITES) to these entities, each
        with the task's sentences that mention the entity; ordered by entity, then task."""
        links = []
        for entity_id in sorted(set(entity_ids)):
            by_task: dict[str, list[str]] = {}
            for row in self._mention_rows.get(entity_id, ()):
                by_task.setdefault(self._task_of[row], []).append(self._id(row))
            for task_id in sorted(set(self._entity_tasks.get(entity_id, ()))):
                task = self._tasks.get(task_id)
                if task is not None:
                    links.append(TaskLink.model_construct(
                        task_id=task_id, doc_id=task.doc_id, entity_id=entity_id,
                        sentence_ids=by_task.get(task_id, [])))  # rows ascend: ids are sorted
        return links

    def led_tasks(self, institution_ids: Iterable[str]) -> set[str]:
        """The tasks these institutions lead (LED_BY: the unit a task names as its lead)."""
        return {t for i in institution_ids for t in self._led.get(i, ())}

    def sentences_containing(self, needles: Sequence[str], limit: int = 10_000) -> list[TaskLink]:
        """Tasks with the sentences whose text contains one of ``needles`` verbatim (at most
        ``limit`` sentences); ``entity_id`` is empty. For listings that must not miss a
        mention the extraction did not link."""
        found: set[int] = set()  # rows
        for needle in needles:
            if not needle or _SEPARATOR in needle:
                continue
            position = self._text.find(needle)
            while position >= 0 and len(found) < limit:
                index = bisect_right(self._starts, position) - 1
                found.add(index)
                following = index + 1  # the next sentence: one hit per sentence is enough
                if following == len(self._ids):
                    break
                position = self._text.find(needle, self._starts[following])
        by_task: dict[str, TaskLink] = {}
        for row in sorted(found):
            sentence_id = self._id(row)
            task = self._tasks.get(self._task_of[row])
            if task is None:
                continue
            link = by_task.setdefault(task.id, TaskLink.model_construct(
                task_id=task.id, doc_id=task.doc_id, entity_id="", sentence_ids=[]))
            link.sentence_ids.append(sentence_id)
        return [by_task[t] for t in sorted(by_task)]

    def tasks(self, task_ids: Iterable[str]) -> dict[str, Task]:
        """The records of those ``task_ids`` the snapshot holds."""
        return {t: self._tasks[t] for t in task_ids if t in self._tasks}

    def task_edges(self, task_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Each task's context edges, (relationship type, node id); tasks with none are left out."""
        return {t: self._links[t] for t in task_ids if t in self._links}

    def task_document(self, task_id: str) -> str | None:
        """The stored document a task belongs to (its ``doc_id``)."""
        task = self._tasks.get(task_id)
        return task.doc_id if task else None

    def documents_in_years(self, years: Iterable[int]) -> set[str]:
        """The ingested documents issued in one of these years."""
        return {d for y in years for d in self._documents_by_year.get(y, ())}

    def documents_numbered(self, doc_numbers: Iterable[str]) -> set[str]:
        """The ingested documents with one of these 文号 (as stored)."""
        return {d for n in doc_numbers for d in self._documents_by_number.get(n, ())}

    def with_notices(self, doc_ids: set[str]) -> set[str]:
        """``doc_ids`` and the notices that issued them: a document a notice issued has its
        tasks under the notice's id."""
        return doc_ids | {self._notice_of[d] for d in doc_ids if d in self._notice_of}

    def documents_of(self, node_ids: Iterable[str]) -> set[str]:
        """The documents whose jurisdiction is one of these places or whose issuer is one of
        these institutions."""
        return {d for n in node_ids for d in self._documents_by_node.get(n, ())}

    def place_members(self, place_ids: Sequence[str]) -> dict[str, list[str]]:
        """For each of these places that has any, the places directly PART_OF it."""
        return {p: sorted(self._members[p]) for p in place_ids if p in self._members}
