"""The routes take their dependencies from service/api/deps.py, so a test (or an embedding
application) can swap them with ``app.dependency_overrides``."""

from pathlib import Path

from service.api import deps
from service.api.auth import Principal
from tests.service.api_support import READER_KEY, make_settings, serve


def test_dependency_overrides_replace_the_key_check(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", reader_keys=READER_KEY)
    with serve(settings, sample=True) as client:
        assert client.get("/stats").status_code == 401
        client.app.dependency_overrides[deps.require_reader] = (  # type: ignore[attr-defined]
            lambda: Principal(key_id="test-reader", role="reader"))
        stats = client.get("/stats")
        assert stats.status_code == 200 and stats.json()["nodes"]["Task"] == 25
        # Only the reader check was swapped: an admin endpoint still wants a key.
        assert client.delete("/documents/doc_x").status_code == 401
