"""Length-preserving normalisation for matching: traditional -> simplified, full width -> ASCII.

Every rule matches on ``fold(sentence)``, which has exactly the same length as the sentence, so
offsets found in the folded text are offsets in the original and ``Mention.text`` keeps what was
written (领銜 is matched as 领衔). Each character is mapped on its own: NFKC where NFKC gives one character
(full-width digits, letters and punctuation become ASCII: （，：→ (,:), then OpenCC's t2s table,
which also folds variant forms. Chinese quotes “” and brackets 《》〔〕 are left as they are.
"""

import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    """The OpenCC table, loaded on first use (not at import)."""
    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    nfkc = unicodedata.normalize("NFKC", ch)
    if len(nfkc) == 1:
        ch = nfkc
    converted: str = _t2s().convert(ch)
    return converted if len(converted) == 1 else ch


def fold(text: str) -> str:
    """The matching form of ``text``: same length, simplified characters, ASCII digits."""
    return "".join(fold_char(ch) for ch in text)


def simplified(text: str) -> str:
    """Traditional -> simplified over the whole text (phrases too); lengths may change."""
    converted: str = _t2s().convert(text)
    return converted
