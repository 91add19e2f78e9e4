"""Query normalisation: NFKC and traditional -> simplified, so 領銜 matches 领衔."""

import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalise_query(text: str) -> str:
    return str(_t2s().convert(unicodedata.normalize("NFKC", text))).strip()
