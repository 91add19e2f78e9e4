"""Documents through the API (open mode, hash embedder, embedded store): upload, list, read,
the original file, delete; tasks, entities, the neighbourhood, stats and health."""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from graph.base import GraphStore
from service.settings import Settings
from service.wiring import build_components, build_ingestor
from tests.conftest import SAMPLE
from tests.graph.test_store_reads import ACADEMY, SHANGHAI, enriched_sample
from tests.service.api_support import counts, make_settings, plan, serve


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with serve(settings) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def sample_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The sample ingested, then its graph replaced by the sample's structure with a few
    entities of our own (sentences unchanged, so the indexes still agree)."""
    settings = make_settings(tmp_path_factory.mktemp("sample") / "data")
    components = build_components(settings)
    build_ingestor(components).ingest_path(SAMPLE)
    components.store.write_document(enriched_sample())
    with serve(settings, components=components) as test_client:
        yield test_client
    components.close()


def upload(client: TestClient, name: str, content: bytes) -> dict[str, object]:
    response = client.post("/documents", files={"file": (name, content, "text/plain")})
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def sample_doc_id(client: TestClient) -> str:
    return str(client.get("/documents").json()["documents"][0]["id"])


# --- upload, list, read, delete ------------------------------------------------------------

def test_upload_creates_a_document_that_search_finds_at_once(client: TestClient) -> None:
    response = client.post("/documents", files={"file": ("plan-7.txt", plan(7, tasks=3))})
    assert response.status_code == 201
    body = response.json()
    doc_id = body["document"]["id"]
    assert response.headers["location"] == f"/documents/{doc_id}"
    assert body["created"] is True and body["embedded"] > 0
    assert body["document"]["doc_number"] == "测教〔2024〕7号" and body["document"]["tasks"] == 3
    assert body["document"]["sha256"] == hashlib.sha256(plan(7, tasks=3)).hexdigest()
    found = client.get("/search", params={"q": "第7号方案的第2项工作", "k": 3}).json()["results"]
    assert found and found[0]["task"]["document"]["id"] == doc_id
    listed = client.get("/documents").json()
    assert listed["total"] == 1 and listed["documents"][0]["id"] == doc_id


def test_uploading_a_revision_replaces_the_earlier_version(client: TestClient) -> None:
    first = upload(client, "plan.txt", plan(8, tasks=3))
    again = client.post("/documents", files={"file": ("plan.txt", plan(8, tasks=3))})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["embedded"] == 0
    revised = upload(client, "plan.txt", plan(8, tasks=2))
    assert revised["created"] is False and revised["removed_tasks"] == 1
    assert revised["document"]["id"] == first["document"]["id"]  # type: ignore[index]
    assert revised["document"]["tasks"] == 2  # type: ignore[index]


def test_document_detail_lists_outline_and_citations(sample_client: TestClient) -> None:
    doc_id = sample_doc_id(sample_client)
    response = sample_client.get(f"/documents/{doc_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["document"]["title"] == "2021年度教育工作要点" and body["document"]["tasks"] == 25
    assert [s["label"] for s in body["sections"]] == ["一", "二", "三", "四", "五", "六"]
    assert [t["number"] for t in body["tasks"]] == list(range(25))
    assert [i["name"] for i in body["institutions"]["issued_by"]] == ["太仓市教育局"]
    cited = body["cites"][0]
    assert cited["ingested"] is False
    only_cited = sample_client.get(f"/documents/{cited['id']}").json()
    assert only_cited["document"]["ingested"] is False and only_cited["tasks"] == []
    assert [d["id"] for d in only_cited["cited_by"]] == [doc_id]


def test_list_documents_pages_and_includes_cited_ones_on_request(sample_client: TestClient) -> None:
    ingested = sample_client.get("/documents").json()
    everything = sample_client.get("/documents", params={"include_cited": True}).json()
    assert ingested["total"] == 1 and everything["total"] > 1
    assert sum(d["ingested"] for d in everything["documents"]) == 1
    page = sample_client.get("/documents", params={"include_cited": True, "limit": 2,
                                                   "offset": 1}).json()
    assert page["limit"] == 2 and page["documents"] == everything["documents"][1:3]


def test_the_original_comes_back_byte_for_byte(client: TestClient) -> None:
    content = plan(9) + "\n".encode("gb18030")
    doc_id = upload(client, "太仓 计划.txt", content)["document"]["id"]  # type: ignore[index]
    response = client.get(f"/documents/{doc_id}/original")
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-type"].startswith("text/plain")
    assert f"filename*=UTF-8''{quote('太仓 计划.txt')}" in response.headers["content-disposition"]
    assert response.headers["etag"] == f'"{hashlib.sha256(content).hexdigest()}"'


def test_an_upload_name_loses_its_directories(client: TestClient) -> None:
    doc = upload(client, "../../etc/plan.txt", plan(10))["document"]
    assert doc["source"] == "plan.txt"  # type: ignore[index]


def test_delete_removes_the_document_its_vectors_and_its_original(client: TestClient,
                                                                   settings: Settings) -> None:
    before = counts(client)
    doc = upload(client, "plan.txt", plan(11))["document"]
    doc_id, sha = doc["id"], doc["sha256"]  # type: ignore[index]
    assert (settings.originals_dir / sha[:2] / sha).exists()
    assert client.delete(f"/documents/{doc_id}").status_code == 204
    assert counts(client) == before
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get(f"/documents/{doc_id}/original").status_code == 404
    assert not (settings.originals_dir / sha[:2] / sha).exists()
    assert client.get("/search", params={"q": "第11号方案"}).json()["results"] == []  # none left
    again = client.delete(f"/documents/{doc_id}")
    assert again.status_code == 404 and again.json()["type"].endswith("/not-found")


def test_an_unknown_document_is_a_404_problem(client: TestClient) -> None:
    for path in ("/documents/doc_unknown", "/documents/doc_unknown/original"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "doc_unknown" in response.json()["detail"]


def test_an_original_that_was_not_kept_is_a_404_that_says_so(settings: Settings) -> None:
    components = build_components(settings)
    try:
        components.store.write_document(enriched_sample())  # written without the API
        with serve(settings, components=components) as client:
            doc_id = sample_doc_id(client)
            response = client.get(f"/documents/{doc_id}/original")
            assert response.status_code == 404 and "not kept" in response.json()["detail"]
    finally:
        components.close()


# --- uploads that fail ---------------------------------------------------------------------

def test_an_unsupported_file_is_a_415_and_writes_nothing(client: TestClient,
                                                          settings: Settings) -> None:
    before = counts(client)
    response = client.post("/documents", files={"file": ("plan.exe", b"MZ\x90\x00")})
    assert response.status_code == 415 and response.json()["type"].endswith("/unsupported-format")
    assert "plan.exe" in response.json()["detail"]
    assert counts(client) == before
    assert not settings.originals_dir.exists() or not any(settings.originals_dir.rglob("*.name"))


def test_a_file_without_text_is_a_422_and_writes_nothing(client: TestClient) -> None:
    before = counts(client)
    response = client.post("/documents", files={"file": ("empty.txt", b"   \n")})
    assert response.status_code == 422
    assert response.json()["type"].endswith("/unreadable-document")
    assert counts(client) == before


def test_an_upload_without_a_file_or_a_name_is_a_422(client: TestClient) -> None:
    assert client.post("/documents", data={"x": "1"}).status_code == 422
    nameless = client.post("/documents", files={"file": ("", plan(12))})
    assert nameless.status_code == 422


def test_a_failed_ingest_of_a_new_document_leaves_the_store_as_it_was(
        client: TestClient, settings: Settings) -> None:
    upload(client, "kept.txt", plan(13))
    before = counts(client)
    listed = client.get("/documents").json()
    # The originals folder is unusable (a file stands where a folder must be created): the
    # ingest fails after the graph and the indexes were written, and must be undone.
    content = plan(14)
    sha = hashlib.sha256(content).hexdigest()
    (settings.originals_dir / sha[:2]).write_bytes(b"")
    response = client.post("/documents", files={"file": ("new.txt", content)})
    assert response.status_code == 500 and response.json()["type"].endswith("/internal")
    assert counts(client) == before
    assert client.get("/documents").json() == listed
    found = client.get("/search", params={"q": "第14号方案"}).json()["results"]
    assert all(r["task"]["document"]["doc_number"] != "测教〔2024〕14号" for r in found)


def test_a_failed_re_ingest_puts_the_previous_version_back(client: TestClient,
                                                           settings: Settings) -> None:
    first = upload(client, "plan.txt", plan(15, tasks=3))
    doc_id = first["document"]["id"]  # type: ignore[index]
    before = counts(client)
    tasks_before = client.get(f"/documents/{doc_id}").json()["tasks"]
    revised = plan(15, tasks=2, extra="，并修订")
    sha = hashlib.sha256(revised).hexdigest()
    (settings.originals_dir / sha[:2] / f"{sha}.name").mkdir(parents=True)
    response = client.post("/documents", files={"file": ("plan.txt", revised)})
    assert response.status_code == 500
    assert counts(client) == before
    assert client.get(f"/documents/{doc_id}").json()["tasks"] == tasks_before
    assert client.get(f"/documents/{doc_id}/original").content == plan(15, tasks=3)
    found = client.get("/search", params={"q": "并修订"}).json()["results"]
    assert not any("并修订" in e["text"] for r in found for e in r["evidence"])


# --- tasks, entities, neighbourhood, stats, health -----------------------------------------

def task_of(client: TestClient, number: int) -> str:
    doc = client.get(f"/documents/{sample_doc_id(client)}").json()
    return str(next(t["id"] for t in doc["tasks"] if t["number"] == number))


def test_a_task_comes_with_context_and_sentences(sample_client: TestClient) -> None:
    response = sample_client.get(f"/tasks/{task_of(sample_client, 15)}")
    assert response.status_code == 200
    body = response.json()
    assert body["task"]["number"] == 15 and body["task"]["section"]["number"] == 4
    assert [p["name"] for p in body["context"]["places"]] == ["上海"]
    assert [s["ordinal"] for s in body["sentences"]] == list(range(len(body["sentences"])))
    assert "".join(s["text"] for s in body["sentences"]).replace(" ", "") in \
        body["task"]["text"].replace(" ", "") or body["sentences"][0]["start"] == 0
    assert sample_client.get("/tasks/task_unknown").status_code == 404


def test_entities_are_found_by_name_alias_and_english_name(sample_client: TestClient) -> None:
    for q in ("上海", "沪", "SHANGHAI", "上海市"):
        body = sample_client.get("/entities", params={"q": q, "type": "Place"}).json()
        assert body["entities"][0]["id"] == SHANGHAI.id, q
    traditional = sample_client.get("/entities", params={"q": "長三角"}).json()
    assert {e["name"] for e in traditional["entities"]} >= {"长三角"}
    academy = sample_client.get("/entities", params={"q": "西工大"}).json()["entities"]
    assert [e["id"] for e in academy] == [ACADEMY.id] and academy[0]["tasks"] == 2
    assert sample_client.get("/entities", params={"type": "Country"}).status_code == 422
    paged = sample_client.get("/entities", params={"limit": 1}).json()
    assert paged["total"] > 1 and len(paged["entities"]) == 1


def test_an_entity_lists_its_tasks_and_documents(sample_client: TestClient) -> None:
    body = sample_client.get(f"/entities/{ACADEMY.id}").json()
    assert body["entity"]["name"] == ACADEMY.name
    assert [(t["number"], t["relations"]) for t in body["tasks"]] == [
        (13, ["INVOLVES", "LED_BY"]), (15, ["INVOLVES"])]
    issuer = sample_client.get("/entities", params={"q": "太仓市教育局",
                                                    "type": "Institution"}).json()["entities"][0]
    documents = sample_client.get(f"/entities/{issuer['id']}").json()["documents"]
    assert [d["relations"] for d in documents] == [["ISSUED_BY"]]
    assert sample_client.get("/entities/place_unknown").status_code == 404


def test_the_neighbourhood_of_a_node(sample_client: TestClient) -> None:
    body = sample_client.get("/graph/neighbourhood", params={"id": SHANGHAI.id}).json()
    assert body["nodes"][0]["id"] == SHANGHAI.id and body["depth"] == 1
    assert {r["type"] for r in body["relationships"]} == {"CONCERNS", "PART_OF"}
    capped = sample_client.get("/graph/neighbourhood", params={
        "id": sample_doc_id(sample_client), "depth": 2, "limit": 4}).json()
    assert capped["truncated"] is True and len(capped["nodes"]) == 4
    assert sample_client.get("/graph/neighbourhood", params={"id": "x"}).status_code == 404
    assert sample_client.get("/graph/neighbourhood",
                             params={"id": SHANGHAI.id, "depth": 4}).status_code == 422
    assert sample_client.get("/graph/neighbourhood",
                             params={"id": SHANGHAI.id, "limit": 501}).status_code == 422


def test_stats_and_health_report_graph_and_indexes(sample_client: TestClient) -> None:
    stats = sample_client.get("/stats").json()
    store_counts = _store(sample_client).counts()
    assert stats["documents"] == 1 and stats["nodes"]["Task"] == 25
    assert (stats["nodes"], stats["relationships"]) == (store_counts.nodes,
                                                        store_counts.relationships)
    assert stats["cited_documents"] == stats["nodes"]["PolicyDocument"] - 1
    assert stats["vectors"] == stats["lexical"] == stats["nodes"]["Sentence"]
    health = sample_client.get("/health").json()
    assert health == {"status": "ok", "graph": "embedded", "documents": 1, "tasks": 25,
                      "vectors": stats["vectors"], "lexical": stats["lexical"],
                      "embedder": stats["embedder"]}


def test_graph_store_is_shared_with_the_search(sample_client: TestClient) -> None:
    # The search answers from the same store the documents endpoints read.
    result = sample_client.get("/search", params={"q": "深化教育开放合作", "k": 1}).json()
    task_id = result["results"][0]["task"]["id"]
    assert sample_client.get(f"/tasks/{task_id}").json()["task"]["id"] == task_id


def _store(client: TestClient) -> GraphStore:
    return client.app.state.components.store  # type: ignore[attr-defined,no-any-return]


def test_search_links_entities_of_a_document_uploaded_after_start(client: TestClient) -> None:
    def shanghai_tasks() -> int:
        body = client.get("/search", params={"q": "哪些工作涉及上海"}).json()
        return int(body["listing"]["total"]) if body["listing"] else 0

    text = ("测试市教育局\n测教〔2024〕30号\n关于印发《第30号方案》的通知\n\n一、重点工作\n\n"
            "1.深化与上海的教育合作，推进两地学校结对。\n")
    upload(client, "shanghai.txt", text.encode())
    first = shanghai_tasks()
    assert first >= 1
    upload(client, "shanghai-2.txt", text.replace("30号", "31号").replace("结对", "交流").encode())
    assert shanghai_tasks() == first + 1
