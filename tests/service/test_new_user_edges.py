"""Rough edges a new user met (issue 16): a downloaded original keeps its own name and type,
an HTML document's title is its article's,
a directory ingest skips what is no policy document, `policykg search` prints a listing as a
person reads it, a local keyless server does not rate-limit its own user, and a search result
carries a capped task text with the way to the rest."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.api.app import create_app
from service.cli import app as cli_app
from tests.conftest import use_backend
from tests.service.api_support import READER_KEY, make_settings, plan, sample_data_dir, serve

runner = CliRunner()
# Numbered items but no header: its id comes from its file name, so the same bytes under two
# names are two documents sharing one stored original.
HEADERLESS = "一、重点工作\n\n1.做好课后服务工作，推进示范学校建设。\n2.加强教师队伍建设。\n".encode()
NOTICE_HTML = ("<html><head><meta charset='utf-8'></head><body>"
               "<nav><h1>测试市人民政府门户网站</h1><a href='/'>首页</a></nav>"
               "<article><h1>关于印发《第9号方案》的通知</h1><p>测试市教育局</p><p>测教〔2024〕9号</p>"
               "<p>一、重点工作</p><p>1.做好第9号方案的第1项工作，推进示范学校建设。</p>"
               "<p>2.做好第9号方案的第2项工作，加强教师队伍建设。</p></article></body></html>").encode()


def test_each_download_keeps_its_uploaded_name_and_type(tmp_path: Path) -> None:
    with serve(make_settings(tmp_path / "data")) as client:
        ids = {}
        for name, content in (("plan-a.txt", HEADERLESS), ("plan-b.md", HEADERLESS),
                              ("notice.html", NOTICE_HTML)):
            response = client.post("/documents", files={"file": (name, content)})
            assert response.status_code == 201, response.text
            ids[name] = response.json()["document"]["id"]
        assert len(set(ids.values())) == 3
        expected = {"plan-a.txt": "text/plain", "plan-b.md": "text/markdown",
                    "notice.html": "text/html"}
        for name, doc_id in ids.items():
            original = client.get(f"/documents/{doc_id}/original")
            assert original.status_code == 200
            assert f'filename="{name}"' in original.headers["content-disposition"]
            assert original.headers["content-type"].split(";")[0] == expected[name]
        assert client.get(f"/documents/{ids['plan-b.md']}/original").content == HEADERLESS
        # The web page's title is the article's heading, not the site name in its <nav>.
        document = client.get(f"/documents/{ids['notice.html']}").json()["document"]
        assert document["title"] == "第9号方案"
        assert "门户网站" not in (document["notice_title"] or "")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_backend("embedded", tmp_path / "data", monkeypatch)
    return tmp_path / "data"


def test_a_directory_ingest_skips_a_file_that_is_no_policy_document(
        cli_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "SOURCES.md").write_text(
        "# Sources of the test corpus\n\n45 Chinese government documents, one per file.\n\n"
        "| file | source | licence |\n|---|---|---|\n| a.txt | repo | MIT |\n", "utf-8")
    (folder / "plan.txt").write_bytes(plan(1))
    result = runner.invoke(cli_app, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "skipped SOURCES.md: neither a header" in result.output
    assert "--force" in result.output
    titles = runner.invoke(cli_app, ["cypher", "--json",
                                     "MATCH (d:PolicyDocument {ingested: true}) RETURN d.source"])
    assert titles.stdout.count('"plan.txt"') == 1 and "SOURCES.md" not in titles.stdout
    forced = runner.invoke(cli_app, ["ingest", str(folder), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "skipped" not in forced.output.split("ingest summary")[0]
    titles = runner.invoke(cli_app, ["cypher", "--json",
                                     "MATCH (d:PolicyDocument {ingested: true}) RETURN d.source"])
    assert "SOURCES.md" in titles.stdout


@pytest.fixture(scope="module")
def sample_components(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_data_dir(tmp_path_factory.mktemp("edges") / "data")


def test_cli_search_prints_a_listing_as_a_person_reads_it(
        sample_components: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_backend("embedded", sample_components, monkeypatch)
    result = runner.invoke(cli_app, ["search", "which items involve Shanghai cooperation"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "上海 / Shanghai, 2 tasks"


def local_client(settings_dir: Path, **overrides: object) -> TestClient:
    """A client that talks to the app over loopback at both ends, as `policykg serve` on
    127.0.0.1 is asked by a script on the same machine."""
    settings = make_settings(settings_dir, rate_limit_per_minute=None, **overrides)
    return TestClient(create_app(settings), base_url="http://127.0.0.1:8000",
                      client=("127.0.0.1", 50000), raise_server_exceptions=False)


def test_a_local_keyless_server_answers_60_quick_questions(sample_components: Path) -> None:
    with local_client(sample_components) as client:
        statuses = [client.get("/search", params={"q": f"上海 {i}", "k": 1}).status_code
                    for i in range(60)]
    assert statuses == [200] * 60


def test_the_rate_limit_stays_with_keys_or_for_other_hosts(sample_components: Path) -> None:
    with local_client(sample_components, reader_keys=READER_KEY) as client:
        statuses = [client.get("/documents", headers={"X-API-Key": READER_KEY}).status_code
                    for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429  # the default burst is 30
    remote = make_settings(sample_components, rate_limit_per_minute=None)
    with TestClient(create_app(remote), client=("203.0.113.7", 50000)) as client:
        statuses = [client.get("/documents").status_code for _ in range(31)]
    assert statuses[30] == 429


def test_a_results_task_text_is_capped_with_a_flag_and_its_url(sample_components: Path) -> None:
    with serve(make_settings(sample_components, search_max_task_chars=100)) as client:
        answer = client.get("/search", params={"q": "上海", "k": 5}).json()
        task = answer["results"][0]["task"]
        assert task["text_truncated"] is True and len(task["text"]) == 100
        assert task["url"] == f"/tasks/{task['id']}"
        whole = client.get(task["url"]).json()["task"]
        assert len(whole["text"]) > 100 and whole["text"].startswith(task["text"])
        assert whole["text_truncated"] is False
        assert f"全文见 {task['url']}" in answer["context_text"]
    with serve(make_settings(sample_components)) as client:  # the default cap: 4000
        results = client.get("/search", params={"q": "上海"}).json()["results"]
        assert all(not r["task"]["text_truncated"] for r in results)
