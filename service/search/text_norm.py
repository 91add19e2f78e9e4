"""Query normalisation: NFKC and traditional -> simplified, so 領銜 matches 领衔. The same
OpenCC table folds the documents (``loaders.entities.normalise``)."""

import unicodedata

from loaders.entities.normalise import simplified


def normalise_query(text: str) -> str:
    return simplified(unicodedata.normalize("NFKC", text)).strip()
