"""A server loads the parse's resources at start (``loaders.files.load_resources``): loading
them during an upload held Python's lock for up to 0.7 s at a time and stalled searches."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "taicang_2021_education_work_points.txt"
BLIND = ROOT / "tests" / "eval" / "blind" / "docs"

# In a fresh interpreter: every cached loader of the loaders package (a cache of one entry, or
# an unbounded one such as the word lists) and its misses, after load_resources() and again
# after parsing real documents of other shapes.
_SCRIPT = """
import functools, json, pkgutil, importlib, sys
from pathlib import Path
import loaders
from loaders.files import load_file, load_resources

def caches():
    out = {}
    for info in pkgutil.walk_packages(loaders.__path__, "loaders."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            params = getattr(value, "cache_parameters", None)
            if params is not None and params()["maxsize"] in (1, None) and value.__module__ == info.name:
                out[f"{info.name}.{name}"] = value.cache_info().misses
    return out

load_resources()
warmed = caches()
for path in sys.argv[1:]:
    load_file(Path(path))
print(json.dumps({"warmed": warmed, "after": caches()}))
"""


def test_a_parse_after_load_resources_loads_nothing_more() -> None:
    documents = [SAMPLE, *sorted(BLIND.glob("*.txt"))[:3]]
    out = subprocess.run([sys.executable, "-c", _SCRIPT, *map(str, documents)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert len(seen["warmed"]) >= 8  # the gazetteer, jieba's dictionary, the word lists...
    assert seen["warmed"]["loaders.entities.gazetteer.gazetteer"] == 1
    loaded_late = {name: (seen["warmed"].get(name, 0), misses)
                   for name, misses in seen["after"].items() if misses != seen["warmed"].get(name, 0)}
    assert not loaded_late
