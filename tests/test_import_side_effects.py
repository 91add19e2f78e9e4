"""Importing any module of the package reads no data file: data is read on first use
(through importlib.resources), so an import cannot fail on a missing file or stall a start."""

import subprocess
import sys

from tests.conftest import ROOT

PROBE = r"""
import importlib, os, pkgutil, sys
opened = []

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, os.PathLike)):
        path = os.fspath(args[0])
        if isinstance(path, str) and not path.endswith((".py", ".pyc", ".so", ".pth")):
            opened.append(path)

sys.addaudithook(hook)
for package in ("graph", "embeddings", "loaders", "service"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(module.name)
print("\n".join(p for p in opened if "site-packages" not in p or "policykg" in p))
"""


def test_importing_every_module_opens_no_data_file() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, check=True)
    own = [line for line in result.stdout.splitlines()
           if line.startswith(str(ROOT)) or "/policykg" in line]
    assert own == []
