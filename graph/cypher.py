"""Every Cypher statement the stores run, in one place. Values only ever travel as parameters;
the only names formatted into statements are labels, relationship types and property names
taken from the fixed schema in ``graph.models``."""

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from graph.models import (
    ENTITY_LABELS,
    RELATIONSHIP_SCHEMA,
    TASK_CONTEXT_EDGES,
    Institution,
    NodeLabel,
    Place,
    PolicyDocument,
    Programme,
    Section,
    Sentence,
    Target,
    Task,
)

Statement = tuple[str, dict[str, Any]]

NODE_MODELS: dict[NodeLabel, type[BaseModel]] = {
    "PolicyDocument": PolicyDocument,
    "Section": Section,
    "Task": Task,
    "Sentence": Sentence,
    "Institution": Institution,
    "Programme": Programme,
    "Place": Place,
    "Target": Target,
}

# Edges a document's write owns and replaces: outgoing from the document, its tasks, its sentences.
DOCUMENT_OUT_TYPES = ("CITES", "ISSUED_BY", "SENT_TO", "COPIED_TO", "JURISDICTION", "ISSUES")
TASK_OUT_TYPES = ("INVOLVES", "ADVANCES", "CONCERNS", "CITES", "SETS", "LED_BY")


def _properties(label: NodeLabel) -> list[str]:
    """Property names, written in backticks in statements: ``end`` is a reserved word."""
    return [name for name in NODE_MODELS[label].model_fields if name != "id"]


def _value(label: NodeLabel, name: str, typed: bool) -> str:
    """``r.name``, cast to the column type where LadybugDB cannot infer it from a null."""
    if not typed:
        return f"r.`{name}`"
    column = _ladybug_type(NODE_MODELS[label].model_fields[name].annotation)
    return f"r.`{name}`" if column == "STRING" else f"CAST(r.`{name}` AS {column})"


def upsert_nodes(label: NodeLabel, typed: bool = False) -> str:
    """MERGE on id, then overwrite every property. ``typed`` casts values (LadybugDB)."""
    sets = ", ".join(f"n.`{p}` = {_value(label, p, typed)}" for p in _properties(label))
    return f"UNWIND $rows AS r MERGE (n:{label} {{id: r.id}}) SET {sets}"


def create_nodes(label: NodeLabel, typed: bool = False) -> str:
    """For nodes known not to exist yet (a document's new sentences and tasks). LadybugDB
    plans a MERGE as a join over a scan of the label's table: merging 300 new sentences into a
    store of 48,400 took 93 ms, creating them 7.6 ms."""
    sets = ", ".join(f"n.`{p}` = {_value(label, p, typed)}" for p in _properties(label))
    return f"UNWIND $rows AS r CREATE (n:{label} {{id: r.id}}) SET {sets}"


def update_nodes(label: NodeLabel, typed: bool = False) -> str:
    """For nodes known to exist (``existing_ids`` found them): found by primary key, where a
    MERGE would scan the table."""
    sets = ", ".join(f"n.`{p}` = {_value(label, p, typed)}" for p in _properties(label))
    return f"UNWIND $rows AS r MATCH (n:{label} {{id: r.id}}) SET {sets}"


def existing_ids(label: NodeLabel) -> str:
    """Which of ``$ids`` the store holds: primary-key lookups (a MERGE scans the table)."""
    return f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id AS id"


def upsert_cited_documents(typed: bool = False) -> str:
    """Create cited-only documents; an existing node (ingested or not) keeps its properties,
    except that missing 文号 or title are filled in."""
    create = ", ".join(f"n.`{p}` = {_value('PolicyDocument', p, typed)}"
                       for p in _properties("PolicyDocument"))
    return (
        "UNWIND $rows AS r MERGE (n:PolicyDocument {id: r.id}) "
        f"ON CREATE SET {create} "
        "ON MATCH SET n.doc_number = coalesce(n.doc_number, r.doc_number), "
        "n.title = coalesce(n.title, r.title)"
    )


# The two ends are matched in two MATCH clauses, not one comma pattern: LadybugDB plans
# ``MATCH (a {id: r.s}), (b {id: r.e})`` as a join over a scan of the second label's table,
# so a document's HAS_SENTENCE edges cost time in proportion to the whole store (742 ms for
# 300 edges into 48,400 sentences, against 3.5 ms with two primary-key lookups).
def merge_relations(rel_type: str, start: NodeLabel, end: NodeLabel) -> str:
    return (
        f"UNWIND $rows AS r MATCH (a:{start} {{id: r.s}}) MATCH (b:{end} {{id: r.e}}) "
        f"MERGE (a)-[:{rel_type}]->(b)"
    )


def create_relations(rel_type: str, start: NodeLabel, end: NodeLabel) -> str:
    """For edges known not to exist (the write deleted them, or an end node is new): LadybugDB
    checks a MERGE against every edge of its type, which made a document's HAS_SENTENCE
    edges take 0.5 s into the corpus and 20 s into ten times the corpus (bench/scale.py)."""
    return (
        f"UNWIND $rows AS r MATCH (a:{start} {{id: r.s}}) MATCH (b:{end} {{id: r.e}}) "
        f"CREATE (a)-[:{rel_type}]->(b)"
    )


def delete_stale_structure(stale_sections: list[str], stale_tasks: list[str],
                           stale_sentences: list[str]) -> list[Statement]:
    """Remove the document's sections, tasks and sentences named (the store read them before
    the write, through the document's own structure). By id: on LadybugDB a filter on
    ``doc_id`` scans the table, and ``MATCH (t:Task {doc_id: $doc})-[:HAS_SENTENCE]->(s) WHERE
    NOT s.id IN $keep`` scanned every sentence of the store (100 ms per document at 48,400
    sentences, against 12 ms by primary key)."""
    statements: list[Statement] = []
    # An UNWIND of nothing still costs LadybugDB a scan, so empty lists are left out.
    for label, var, stale in (("Sentence", "s", stale_sentences), ("Task", "t", stale_tasks),
                              ("Section", "x", stale_sections)):
        if stale:
            statements.append((f"UNWIND $ids AS i MATCH ({var}:{label} {{id: i}}) DETACH DELETE {var}",
                               {"ids": stale}))
    return statements


def delete_owned_edges(doc_ids: list[str]) -> list[Statement]:
    """Drop the outgoing entity/citation edges of the document and of the documents it issues
    (``doc_ids``); the new batch re-creates them. Its tasks' and sentences' edges go with the
    nodes (the write deletes and re-creates them). One statement per document, found by key: a
    lookup on ``notice_id`` made LadybugDB scan the edge tables."""
    return [(f"MATCH (d:PolicyDocument {{id: $doc}})-[r:{'|'.join(DOCUMENT_OUT_TYPES)}]->() DELETE r",
             {"doc": doc}) for doc in doc_ids]


def delete_issued_documents(doc_id: str, stale: list[str]) -> list[Statement]:
    """Remove the documents the notice ``doc_id`` issued that the new batch lacks (``stale``;
    all of them when the notice is deleted). One that other documents cite stays, as a
    cited-only node."""
    statements: list[Statement] = []
    for issued in stale:
        params = {"doc": doc_id, "issued": issued}
        statements += [
            ("MATCH (d:PolicyDocument {id: $issued})-[r:HAS_SECTION|HAS_TASK]->() DELETE r", params),
            ("MATCH (x:PolicyDocument)-[:CITES]->(d:PolicyDocument {id: $issued}) "
             "WHERE x.notice_id IS NULL AND x.id <> $doc "
             "SET d.ingested = false, d.source = null, d.sha256 = null, d.notice_id = null", params),
            ("MATCH (d:PolicyDocument {id: $issued}) WHERE d.notice_id = $doc DETACH DELETE d", params),
        ]
    return statements


# Deepest PART_OF chain from a place to its furthest ancestor (太仓 -> 苏州 -> 江苏 -> 长三角).
_PART_OF_DEPTH = 6


def prune_orphans(candidates: list[str]) -> list[Statement]:
    """Entities without any edge, and cited-only documents nobody cites, are deleted; only
    ``candidates`` are looked at: the nodes the document linked before the write and those its
    batch writes without an edge to them (no other node can lose an edge in it). A scan of
    every Target (one per document and quantity) grew each write with the store. With no
    candidates nothing is pruned, places included: a new document's write takes no edge away,
    and every place its batch writes stands by an edge of the batch. A place stays while a task concerns
    it, one of its descendants (江苏 for 太仓) or the grouping it is a member of (上海 for 江浙沪),
    and while it or a descendant is a document's jurisdiction: the places ``loaders.records``
    writes. Directed, bounded paths: an undirected walk over the PART_OF component was
    the slowest statement of an embedded ingest."""
    statements: list[Statement] = []
    if not candidates:
        return statements
    statements.extend(
        (f"UNWIND $ids AS i MATCH (e:{label} {{id: i}}) WHERE NOT (e)--() DELETE e", {"ids": candidates})
        for label in ENTITY_LABELS if label != "Place"
    )
    statements.append(("UNWIND $ids AS i MATCH (d:PolicyDocument {id: i}) "
                       "WHERE d.ingested = false AND NOT (d)--() DELETE d", {"ids": candidates}))
    # All places at once: whether a place stands rests on its descendants' and groupings' edges,
    # which LadybugDB checks by scanning CONCERNS, with or without candidates (31 ms at 100x
    # the corpus, and 34 ms for the candidates alone). It grows with the store, so it runs only
    # when a write has candidates: a rewrite or a delete, not a new document.
    statements.append((
        "MATCH (p:Place) WHERE NOT (p)<-[:CONCERNS]-() AND NOT (p)<-[:JURISDICTION]-() "
        f"AND NOT (p)<-[:PART_OF*1..{_PART_OF_DEPTH}]-(:Place)<-[:CONCERNS]-() "
        f"AND NOT (p)<-[:PART_OF*1..{_PART_OF_DEPTH}]-(:Place)<-[:JURISDICTION]-() "
        "AND NOT (p)-[:PART_OF]->(:Place)<-[:CONCERNS]-() DETACH DELETE p", {}))
    return statements


def delete_document(doc_id: str, issued: list[str], section_ids: list[str], task_ids: list[str],
                    sentence_ids: list[str], keep_node: bool) -> list[Statement]:
    """Everything of the document; ``issued``: the documents it issues; the other ids: all of
    its own. ``keep_node``: other documents cite it, so its node stays as a cited-only one."""
    last: Statement = ((DOWNGRADE_TO_CITED, {"doc": doc_id}) if keep_node
                       else ("MATCH (d:PolicyDocument {id: $doc}) DETACH DELETE d", {"doc": doc_id}))
    return [
        *delete_stale_structure(section_ids, task_ids, sentence_ids),
        *delete_owned_edges([doc_id]),
        *delete_issued_documents(doc_id, issued),
        last,
    ]


DOWNGRADE_TO_CITED = (
    "MATCH (d:PolicyDocument {id: $doc}) SET d.ingested = false, d.source = null, d.sha256 = null"
)
# Citations of a document from other documents (its own tasks and sentences excluded).
CITED_BY_OTHERS = (
    "MATCH (x:PolicyDocument)-[:CITES]->(d:PolicyDocument {id: $doc}) WHERE x.id <> $doc "
    "RETURN count(x) AS c"
)
# A document's sections, tasks and sentences, and what they link to: read level by level down
# its own structure, each level a fixed chain of edges from the document's node (found by key).
# On LadybugDB a ``doc_id`` filter scans the Task table, an UNWIND of ids joined to their
# sentences scans the Sentence table, and a variable-length walk sets up state for every node
# of the tables it crosses: each made the read before a write grow with the store (3.4 s per
# 180 documents at 2x the corpus, 23 s at 20x for the first; 40 ms a document at 20x for the
# walk, against 20 ms for the levels: bench/scale.py, tests/graph/test_write_plans.py).
STRUCTURE_KINDS = ("Section", "Task", "Sentence", "linked")


def document_level(depth: int, links: bool) -> str:
    """Rows (kind, id) at ``depth`` sections below the document: the sections one level deeper,
    the tasks at this level, their sentences and, with ``links``, the nodes those tasks and
    sentences link to (kind ``linked``: the orphan prune's candidates)."""
    start = "MATCH (:PolicyDocument {id: $doc})" + "-[:HAS_SECTION]->()" * depth
    structure = (
        f"{start}-[:HAS_SECTION]->(n) RETURN 'Section' AS kind, n.id AS id",
        f"{start}-[:HAS_TASK]->(n) RETURN 'Task' AS kind, n.id AS id",
        f"{start}-[:HAS_TASK]->()-[:HAS_SENTENCE]->(n) RETURN 'Sentence' AS kind, n.id AS id",
    )
    linked = (
        # One type each: with a list of types LadybugDB scans their whole tables.
        *(f"{start}-[:HAS_TASK]->()-[:{rel_type}]->(n) RETURN 'linked' AS kind, n.id AS id"
          for rel_type in TASK_OUT_TYPES),
        f"{start}-[:HAS_TASK]->()-[:HAS_SENTENCE]->()-[:MENTIONS]->(n) RETURN 'linked' AS kind, n.id AS id",
    ) if links else ()
    return " UNION ALL ".join((*structure, *linked))


def document_snapshot_level(depth: int) -> str:
    """Rows (kind, a, b) at ``depth`` sections below the document, what a search snapshot
    holds of its tasks (graph/snapshot.py): kind ``Section`` (a: a section one level deeper),
    ``Task`` and ``Sentence`` (a: the id), a context edge's type or ``LED_BY`` (a: the task,
    b: the node) and ``MENTIONS`` (a: the sentence, b: the entity). Walked from the document
    like ``document_level``: an UNWIND of ids joined along an edge scans the edge's table."""
    start = "MATCH (:PolicyDocument {id: $doc})" + "-[:HAS_SECTION]->()" * depth
    return " UNION ALL ".join((
        f"{start}-[:HAS_SECTION]->(n) RETURN 'Section' AS kind, n.id AS a, '' AS b",
        f"{start}-[:HAS_TASK]->(n) RETURN 'Task' AS kind, n.id AS a, '' AS b",
        f"{start}-[:HAS_TASK]->()-[:HAS_SENTENCE]->(n) RETURN 'Sentence' AS kind, n.id AS a, '' AS b",
        *(f"{start}-[:HAS_TASK]->(t)-[:{rel_type}]->(n) RETURN '{rel_type}' AS kind, t.id AS a, n.id AS b"
          for rel_type in (*(rel for _, rel, _ in TASK_CONTEXT_EDGES), "LED_BY")),
        f"{start}-[:HAS_TASK]->()-[:HAS_SENTENCE]->(s)-[:MENTIONS]->(n) "
        "RETURN 'MENTIONS' AS kind, s.id AS a, n.id AS b",
    ))


# Deeper than any outline (一、 (一) 1. (1) ①): a guard against a cycle, which no write makes.
MAX_SECTION_DEPTH = 32
LINKED_BY_DOCUMENT = (f"MATCH (:PolicyDocument {{id: $doc}})-[:{'|'.join(DOCUMENT_OUT_TYPES)}]->(e) "
                      "RETURN DISTINCT e.id AS id")
ISSUED_DOCUMENTS = "MATCH (:PolicyDocument {id: $doc})-[:ISSUES]->(d:PolicyDocument) RETURN d.id AS id"


def relink_cited_document(old_id: str, new_id: str) -> list[Statement]:
    """Move the incoming CITES/MENTIONS of a cited-only node to the ingested node, then drop it."""
    params = {"old": old_id, "new": new_id}
    statements: list[Statement] = []
    for rel_type, start, end in RELATIONSHIP_SCHEMA:
        if end == "PolicyDocument" and rel_type in ("CITES", "MENTIONS"):
            statements.append((
                f"MATCH (x:{start})-[r:{rel_type}]->(old:PolicyDocument {{id: $old}}), "
                f"(new:PolicyDocument {{id: $new}}) WHERE x.id <> $new "
                f"MERGE (x)-[:{rel_type}]->(new)",
                params,
            ))
    statements.append(
        ("MATCH (old:PolicyDocument {id: $old}) WHERE old.ingested = false DETACH DELETE old",
         params)
    )
    return statements


GET_DOCUMENT = "MATCH (d:PolicyDocument {id: $id}) RETURN properties(d) AS d"
LIST_DOCUMENTS = (
    "MATCH (d:PolicyDocument) WHERE (d.ingested = true AND d.notice_id IS NULL) OR $include_cited "
    "RETURN properties(d) AS doc ORDER BY d.issued_date, d.title"
)
FIND_DOCUMENTS = (
    "MATCH (d:PolicyDocument) WHERE d.doc_number IN $numbers OR d.title_key IN $keys "
    "RETURN properties(d) AS d ORDER BY d.id"
)
ALL_SENTENCES = (
    "MATCH (t:Task)-[:HAS_SENTENCE]->(s:Sentence) "
    "RETURN properties(s) AS s, t.doc_id AS doc_id ORDER BY s.id"
)
# Lookups by id UNWIND the ids and MATCH on the key: LadybugDB then uses its primary-key index
# (0.3 ms for 25 of 12,000 sentences) where ``WHERE s.id IN $ids`` scans (3.4 ms).
GET_SENTENCES = "UNWIND $ids AS i MATCH (s:Sentence {id: i}) RETURN properties(s) AS s"
GET_TASKS = "UNWIND $ids AS i MATCH (t:Task {id: i}) RETURN properties(t) AS t"


# Relationship values carry internal node ids; these map them back to the nodes' ``id``.
NEO4J_NODE_IDS_BY_ELEMENT_ID = (
    "MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n) AS e, n.id AS id"
)
LADYBUG_TABLES = "CALL show_tables() RETURN id, name"


def ladybug_node_ids_by_offset(label: str) -> str:
    return f"MATCH (n:{label}) WHERE offset(id(n)) IN $offsets RETURN offset(id(n)), n.id"


def task_context_links(type_function: str, every_task: bool = False) -> str:
    """The context edges of the tasks ``$ids`` (or of every task) in one statement, as (task,
    type, node id); ``type_function`` names a relationship's type (``type`` in Neo4j,
    ``label`` in LadybugDB)."""
    types = "|".join(rel_type for _, rel_type, _ in TASK_CONTEXT_EDGES)
    where = "" if every_task else "WHERE t.id IN $ids "
    return (f"MATCH (t:Task)-[r:{types}]->(e) {where}"
            f"RETURN t.id AS task_id, {type_function}(r) AS rel, e.id AS id")


def all_nodes(label: NodeLabel) -> str:
    return f"MATCH (n:{label}) RETURN properties(n) AS n"


def nodes_by_id(label: NodeLabel) -> str:
    return f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN properties(n) AS n"


# The nodes a store keeps in memory between writes: few, and read for every result page.
CACHED_LABELS: tuple[NodeLabel, ...] = (
    "PolicyDocument", "Section", "Institution", "Programme", "Place", "Target")

# --- the search snapshot (graph/snapshot.py) --------------------------------------------------

ALL_MENTIONS = "MATCH (s:Sentence)-[:MENTIONS]->(e) RETURN s.id AS sentence_id, e.id AS entity_id"
# Columns, not property maps: the search snapshot holds sentences as columns (graph/snapshot.py).
ALL_SENTENCE_ROWS = ("MATCH (s:Sentence) RETURN s.id AS id, s.task_id AS task_id, s.ordinal AS ordinal, "
                     "s.text AS text, s.start AS start, s.`end` AS stop")
ALL_TASK_LEADS = "MATCH (t:Task)-[:LED_BY]->(i:Institution) RETURN t.id AS task_id, i.id AS id"
# The sentences ``$ids`` as columns, by key (a search snapshot updated after a write).
SENTENCE_ROWS_BY_ID = ("UNWIND $ids AS i MATCH (s:Sentence {id: i}) RETURN s.id AS id, s.task_id AS task_id, "
                       "s.ordinal AS ordinal, s.text AS text, s.start AS start, s.`end` AS stop")


ALL_PLACE_PARTS = "MATCH (p:Place)-[:PART_OF]->(r:Place) RETURN p.id AS id, r.id AS region"


def document_links(type_function: str) -> str:
    """Every document's edges out (issuers, recipients, jurisdictions, citations, the documents
    a notice issues), as (document, type, node id): what a question can scope a search by
    (issue 13: JURISDICTION and ISSUED_BY), and what a document's write may prune."""
    return (f"MATCH (d:PolicyDocument)-[r:{'|'.join(DOCUMENT_OUT_TYPES)}]->(n) "
            f"RETURN d.id AS doc_id, {type_function}(r) AS rel, n.id AS id")


def count_nodes(label: NodeLabel) -> str:
    return f"MATCH (n:{label}) RETURN count(n) AS c"


def count_relationships(rel_type: str) -> str:
    return f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS c"


# --- DDL -------------------------------------------------------------------------------------

_LADYBUG_TYPES = {str: "STRING", int: "INT64", float: "DOUBLE", bool: "BOOLEAN"}


def _ladybug_type(annotation: Any) -> str:
    if get_origin(annotation) is list:
        return "STRING[]"
    args = [a for a in get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    if get_origin(base) is list:
        return "STRING[]"
    return _LADYBUG_TYPES[base]


def ladybug_schema() -> list[str]:
    statements = []
    for label, model in NODE_MODELS.items():
        columns = ", ".join(
            f"`{name}` {'STRING PRIMARY KEY' if name == 'id' else _ladybug_type(field.annotation)}"
            for name, field in model.model_fields.items()
        )
        statements.append(f"CREATE NODE TABLE IF NOT EXISTS {label}({columns})")
    pairs: dict[str, list[str]] = {}
    for rel_type, start, end in RELATIONSHIP_SCHEMA:
        pairs.setdefault(rel_type, []).append(f"FROM {start} TO {end}")
    statements.extend(
        f"CREATE REL TABLE IF NOT EXISTS {rel_type}({', '.join(p)})" for rel_type, p in pairs.items()
    )
    return statements


def ladybug_missing_columns(label: NodeLabel, existing: set[str]) -> list[str]:
    """``ALTER TABLE`` statements that add the model's properties a database made by an
    earlier version lacks (additive changes only; ints default to 0, others to null)."""
    statements = []
    for name, field in NODE_MODELS[label].model_fields.items():
        if name in existing:
            continue
        column_type = _ladybug_type(field.annotation)
        value = field.default
        default = (f" DEFAULT {str(value).lower()}" if isinstance(value, bool)
                   else f" DEFAULT {value}" if isinstance(value, int | float) else "")
        statements.append(f"ALTER TABLE {label} ADD `{name}` {column_type}{default}")
    return statements


def ladybug_table_columns(label: NodeLabel) -> str:
    # table_info takes no parameter; the label is one of NODE_MODELS, never a user value.
    return f"CALL table_info('{label}') RETURN name"


def neo4j_schema() -> list[str]:
    statements = [
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in NODE_MODELS
    ]
    statements += [
        "CREATE INDEX task_doc_id IF NOT EXISTS FOR (n:Task) ON (n.doc_id)",
        "CREATE INDEX section_doc_id IF NOT EXISTS FOR (n:Section) ON (n.doc_id)",
        "CREATE INDEX document_title_key IF NOT EXISTS FOR (n:PolicyDocument) ON (n.title_key)",
        "CREATE INDEX document_number IF NOT EXISTS FOR (n:PolicyDocument) ON (n.doc_number)",
        *NEO4J_SEARCH_SCHEMA,
    ]
    return statements


# --- what search replicas share on Neo4j (graph.base.SharedSearchStore) -----------------------
# Labels outside the documented schema, never linked to it: SentenceVector (a sentence's
# embedding as float32 bytes), SearchState (the generation counter), SearchChange (one per
# published change), PolicykgState (the ingest journal, failed list and write lock).

NEO4J_SEARCH_SCHEMA = [
    "CREATE CONSTRAINT sentence_vector_id IF NOT EXISTS "
    "FOR (n:SentenceVector) REQUIRE n.sentence_id IS UNIQUE",
    "CREATE INDEX sentence_vector_doc IF NOT EXISTS FOR (n:SentenceVector) ON (n.doc_id)",
    "CREATE CONSTRAINT search_state_key IF NOT EXISTS FOR (n:SearchState) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX search_change_generation IF NOT EXISTS FOR (n:SearchChange) ON (n.generation)",
    "CREATE CONSTRAINT policykg_state_key IF NOT EXISTS "
    "FOR (n:PolicykgState) REQUIRE n.key IS UNIQUE",
]
SEARCH_GENERATION = "MATCH (s:SearchState {key: 'search'}) RETURN s.generation AS g"
SEARCH_CHANGES = (
    "MATCH (c:SearchChange) WHERE c.generation > $since AND c.generation <= $upto "
    "RETURN c.generation AS g, c.doc_id AS doc ORDER BY g")
VECTOR_KEYS = (
    "MATCH (v:SentenceVector) WHERE v.model = $model "
    "RETURN v.sentence_id AS s, v.doc_id AS d, v.text_sha AS h")
DOCUMENT_VECTOR_KEYS = (
    "MATCH (v:SentenceVector) WHERE v.doc_id IN $docs AND v.model = $model "
    "RETURN v.sentence_id AS s, v.doc_id AS d, v.text_sha AS h")
STORED_VECTORS = (
    "MATCH (v:SentenceVector) WHERE v.doc_id IN $docs AND v.model = $model "
    "RETURN v.sentence_id AS s, v.doc_id AS d, v.task_id AS t, v.text_sha AS h, v.vector AS x")
DELETE_STALE_VECTORS = (
    "MATCH (v:SentenceVector {doc_id: $doc}) WHERE NOT v.sentence_id IN $keep DELETE v")
UPSERT_VECTORS = (
    "UNWIND $rows AS r MERGE (v:SentenceVector {sentence_id: r.s}) "
    "SET v.doc_id = r.d, v.task_id = r.t, v.text_sha = r.h, v.model = $model, v.vector = r.x")
# Writing the counter node first takes its lock, so the increment reads the last committed
# value: concurrent publishers get consecutive generations in commit order.
BUMP_SEARCH_GENERATION = (
    "MERGE (s:SearchState {key: 'search'}) ON CREATE SET s.generation = 0 "
    "SET s.locked = true WITH s SET s.generation = s.generation + 1 REMOVE s.locked "
    "CREATE (:SearchChange {generation: s.generation, doc_id: $doc}) RETURN s.generation AS g")
PRUNE_SEARCH_CHANGES = "MATCH (c:SearchChange) WHERE c.generation <= $below DELETE c"


def relationship_types() -> list[str]:
    return sorted({rel_type for rel_type, _, _ in RELATIONSHIP_SCHEMA})


# --- reads behind the HTTP API ---------------------------------------------------------------

OutlineLabel = Literal["Section", "Task", "Sentence"]


def per_document_counts(label: OutlineLabel, filtered: bool) -> str:
    """Counts of a document's sections, tasks or sentences, grouped by ``doc`` (``$ids``
    restricts the documents when ``filtered``)."""
    match, doc = {
        "Section": ("MATCH (n:Section)", "n.doc_id"),
        "Task": ("MATCH (n:Task)", "n.doc_id"),
        "Sentence": ("MATCH (t:Task)-[:HAS_SENTENCE]->(n:Sentence)", "t.doc_id"),
    }[label]
    where = f" WHERE {doc} IN $ids" if filtered else ""
    return f"{match}{where} RETURN {doc} AS doc, count(n) AS c"


DOCUMENT_SECTIONS = "MATCH (s:Section) WHERE s.doc_id = $doc RETURN properties(s) AS s"
_TASK_BRIEF = ("t.id AS id, t.doc_id AS doc_id, t.number AS number, t.path AS path, "
               "t.title AS title, t.lead AS lead, t.deadline AS deadline")
DOCUMENT_TASKS = f"MATCH (t:Task) WHERE t.doc_id = $doc RETURN {_TASK_BRIEF}"
DOCUMENT_CITES = (
    "MATCH (d:PolicyDocument {id: $doc})-[:CITES]->(c:PolicyDocument) RETURN properties(c) AS d"
)
DOCUMENT_CITED_BY = (
    "MATCH (c:PolicyDocument)-[:CITES]->(d:PolicyDocument {id: $doc}) RETURN properties(c) AS d"
)
DOCUMENT_INSTITUTION_TYPES = ("ISSUED_BY", "SENT_TO", "COPIED_TO")


def document_institutions(rel_type: str) -> str:
    return (f"MATCH (d:PolicyDocument {{id: $doc}})-[:{rel_type}]->(i:Institution) "
            "RETURN properties(i) AS i")


TASK_SENTENCES = (
    "MATCH (t:Task {id: $id})-[:HAS_SENTENCE]->(s:Sentence) RETURN properties(s) AS s "
    "ORDER BY s.ordinal"
)
COUNT_DOCUMENTS_BY_STATE = (  # stored files and cited-only nodes; issued documents are in their notice
    "MATCH (d:PolicyDocument) WHERE d.notice_id IS NULL RETURN d.ingested AS ingested, count(d) AS c")


def task_edge_types(label: NodeLabel) -> list[str]:
    """Relationship types from a task to nodes of ``label`` (INVOLVES and LED_BY for
    institutions ...)."""
    return [t for t, start, end in RELATIONSHIP_SCHEMA if start == "Task" and end == label]


def document_edge_types(label: NodeLabel) -> list[str]:
    """Relationship types from a document to nodes of ``label``, citations excluded."""
    return [t for t, start, end in RELATIONSHIP_SCHEMA
            if start == "PolicyDocument" and end == label and t != "CITES"]


def _entity_text_fields(label: NodeLabel) -> tuple[list[str], bool]:
    """The string properties an entity is found by, and whether it has ``aliases``."""
    fields = NODE_MODELS[label].model_fields
    names: list[str] = [n for n in ("name", "name_en", "text") if n in fields]
    return names, "aliases" in fields


def entity_search(label: NodeLabel, with_query: bool) -> str:
    """Entities of ``label``; with ``$q`` (lower case), those whose name, English name, text
    or an alias contains it, case-insensitively."""
    if not with_query:
        return f"MATCH (e:{label}) RETURN properties(e) AS e"
    names, has_aliases = _entity_text_fields(label)
    # A parameter inside a list predicate is not supported by LadybugDB: bind it with WITH.
    conditions = [f"toLower(coalesce(e.`{n}`, '')) CONTAINS q" for n in names]
    if has_aliases:
        conditions.append("any(a IN e.aliases WHERE toLower(a) CONTAINS q)")
    return (f"MATCH (e:{label}) WITH e, $q AS q WHERE {' OR '.join(conditions)} "
            "RETURN properties(e) AS e")


def entity_task_counts(label: NodeLabel) -> str:
    """Per entity of ``$ids``, the number of distinct tasks linked to it."""
    types = "|".join(task_edge_types(label))
    return (f"MATCH (t:Task)-[:{types}]->(e:{label}) WHERE e.id IN $ids "
            "RETURN e.id AS id, count(DISTINCT t.id) AS c")


def node_by_id(label: NodeLabel) -> str:
    return f"MATCH (n:{label} {{id: $id}}) RETURN properties(n) AS n"


def nodes_by_ids(label: NodeLabel) -> str:
    return f"MATCH (n:{label}) WHERE n.id IN $ids RETURN properties(n) AS n"


def entity_tasks(rel_type: str, label: NodeLabel) -> str:
    return (
        f"MATCH (t:Task)-[:{rel_type}]->(e:{label} {{id: $id}}) "
        "MATCH (d:PolicyDocument {id: t.doc_id}) "
        f"RETURN {_TASK_BRIEF}, d.title AS document_title"
    )


def entity_documents(rel_type: str, label: NodeLabel) -> str:
    return (
        f"MATCH (d:PolicyDocument)-[:{rel_type}]->(e:{label} {{id: $id}}) "
        "RETURN properties(d) AS d"
    )


def neighbour_edges(include_sentences: bool) -> str:
    """Every schema relationship touching a node of ``$ids``, in either direction, as
    ``(s, t, e, out, label)``: start, type, end, whether the node of ``$ids`` is the start,
    and the label of the node at the other end. One branch per schema triple and direction:
    labels and types are literals, so both dialects read it alike (no ``type(r)`` /
    ``label(r)``). (LadybugDB mixes up columns that repeat an expression, hence ``out``.)"""
    branches = []
    for rel_type, start, end in RELATIONSHIP_SCHEMA:
        if not include_sentences and "Sentence" in (start, end):
            continue
        match = f"MATCH (a:{start})-[:{rel_type}]->(b:{end})"
        branches.append(f"{match} WHERE a.id IN $ids "
                        f"RETURN a.id AS s, '{rel_type}' AS t, b.id AS e, true AS out, '{end}' AS label")
        branches.append(f"{match} WHERE b.id IN $ids "
                        f"RETURN a.id AS s, '{rel_type}' AS t, b.id AS e, false AS out, '{start}' AS label")
    return " UNION ALL ".join(branches)

READ_STATE = "MATCH (s:PolicykgState {key: $key}) RETURN s.text AS text"
WRITE_STATE = "MERGE (s:PolicykgState {key: $key}) SET s.text = $text"
DELETE_STATE = "MATCH (s:PolicykgState {key: $key}) DELETE s"
# A lease: taken when free, expired, already this token's, or stolen from a dead holder's
# token. The first SET locks the node, so two processes cannot both see it free.
ACQUIRE_LEASE = (
    "MERGE (s:PolicykgState {key: $key}) SET s.locked = true WITH s "
    "WITH s, (s.token IS NULL OR s.expires < timestamp() OR s.token = $token "
    "OR s.token = $steal) AS free "
    "SET s.token = CASE WHEN free THEN $token ELSE s.token END, "
    "s.holder = CASE WHEN free THEN $holder ELSE s.holder END, "
    "s.expires = CASE WHEN free THEN timestamp() + $ttl_ms ELSE s.expires END "
    "REMOVE s.locked RETURN free, s.holder AS holder")
RENEW_LEASE = (
    "MATCH (s:PolicykgState {key: $key}) WHERE s.token = $token "
    "SET s.expires = timestamp() + $ttl_ms RETURN count(s) AS c")
RELEASE_LEASE = "MATCH (s:PolicykgState {key: $key}) WHERE s.token = $token DELETE s"
