"""A company a document names is found wherever the document writes its name again
(``loaders.entities.document_names``)."""

from loaders.entities import Mention, extract_mentions
from loaders.entities.document_names import with_document_names


def _institutions(texts: list[str]) -> list[list[tuple[str, str]]]:
    found = with_document_names(texts, [extract_mentions(t) for t in texts])
    return [[(m.text, m.name) for m in ms if m.label == "Institution"] for ms in found]


def test_a_company_named_in_a_list_is_found_where_it_recurs_alone() -> None:
    texts = ["充分发挥魏桥、京博、滨化等链主企业龙头带动作用。", "京博动能转换综合体建成投产，滨化LPG海上通道正式运行。"]
    assert all(m.label != "Institution" for m in extract_mentions(texts[1]))
    assert _institutions(texts)[1] == [("京博", "京博"), ("滨化", "滨化")]


def test_a_recurring_name_inside_a_longer_word_is_not_found() -> None:
    texts = ["支持华能、大唐等能源企业发展。", "弘扬中华能源文化，推进大唐风电二期。"]
    assert _institutions(texts)[1] == [("大唐", "大唐")]


def test_a_trade_name_is_the_company_whose_fuller_name_the_document_writes() -> None:
    texts = ["大唐集团在我区投资超5亿元。", "继续深化与大唐、华能、沈煤等大型国有企业的合作。"]
    assert ("大唐", "大唐集团") in _institutions(texts)[1]
    # A longer name that is not a company's (a brand) does not take the trade name.
    brand = ["华润雪花、三元乳业等重点企业稳定生产。", "引进了大唐、华润等一批知名工业企业。"]
    assert ("华润", "华润") in _institutions(brand)[1]


def test_a_place_inside_a_recurring_company_name_is_no_place() -> None:
    texts = ["支持鲁北万润、中裕食品等企业做大做强。", "鲁北万润锂电项目投产。"]
    place = Mention(label="Place", name="鲁北", text="鲁北", start=0, end=2)
    found = with_document_names(texts, [extract_mentions(texts[0]), [place]])[1]
    assert [(m.label, m.text) for m in found] == [("Institution", "鲁北万润")]
