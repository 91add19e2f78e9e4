"""A web page's title is its article's: a site name in a navigation bar's heading, which
trafilatura would take as the first heading, never becomes the document's title."""

from loaders.files import load_bytes

ITEMS = "".join(f"<p>{i}.做好第{i}项工作，推进示范学校建设，加强教师队伍建设。</p>" for i in range(1, 4))
ARTICLE = f"<h1>关于印发2021年度教育工作要点的通知</h1><p>太仓市教育局</p><p>一、重点工作</p>{ITEMS}"


def page(navigation: str, article: str = ARTICLE, wrapper: str = "article") -> bytes:
    return (f"<html><head><meta charset='utf-8'></head><body>{navigation}"
            f"<{wrapper}>{article}</{wrapper}></body></html>").encode()


def title_and_first_line(content: bytes) -> tuple[str, str]:
    loaded = load_bytes("notice.html", content)
    first = loaded.parsed.tasks[0].text if loaded.parsed.tasks else ""
    return loaded.batch.document.title, first


def test_a_nav_bars_heading_is_not_the_title() -> None:
    for navigation in ("<nav><h1>太仓市人民政府门户网站</h1><a href='/'>首页</a></nav>",
                       "<div class='top-nav'><h2>太仓市人民政府门户网站</h2></div>",
                       "<div role='navigation'><h1>太仓市人民政府门户网站</h1></div>",
                       "<div id='breadcrumb'><h2>首页 > 太仓市人民政府门户网站</h2></div>"):
        title, first = title_and_first_line(page(navigation))
        assert title == "2021年度教育工作要点", navigation
        assert "门户网站" not in first


def test_an_element_named_nav_that_holds_the_article_is_kept() -> None:
    # A wrapper's class says "nav" (a menu's open state) but it holds the whole page.
    content = page("", wrapper="div class='nav-open'")
    title, _ = title_and_first_line(content.replace(b"</div class='nav-open'>", b"</div>"))
    assert title == "2021年度教育工作要点"
