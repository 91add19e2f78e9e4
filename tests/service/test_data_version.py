"""Data an older policykg wrote is refused with a message naming `policykg migrate`, and
migrating rewrites it (issue 14: entity ids changed with one name per body)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from loaders.entities.institutions import INSTITUTION_TYPES
from loaders.files import load_file
from service.cli import app
from service.ingest.data_version import DATA_VERSION, read_version, version_path, write_version
from service.settings import get_settings
from service.wiring import build_graph_store
from tests.conftest import SAMPLE

runner = CliRunner()
_NOT_A_TYPE = ("MATCH (i:Institution) WHERE NOT i.kind IN [" + ", ".join(f"'{t}'" for t in sorted(INSTITUTION_TYPES))
               + "] RETURN count(i)")


def _cypher_value(query: str) -> object:
    result = runner.invoke(app, ["cypher", query, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"][0][0]


def _write_as_version_1(data_dir: Path) -> None:
    """What version 1 left: kinds that were head words, and no version file."""
    batch = load_file(SAMPLE).batch
    old = batch.model_copy(update={"institutions": [i.model_copy(update={"kind": "bureau"})
                                                    for i in batch.institutions]})
    store = build_graph_store(get_settings())
    try:
        store.write_document(old)
    finally:
        store.close()
    version_path(data_dir).unlink()


def test_a_new_data_directory_is_stamped_with_the_current_version(settings_env: Path, backend: str) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLE)]).exit_code == 0
    assert read_version(settings_env) == DATA_VERSION


def test_older_data_is_refused_until_migrated(settings_env: Path, backend: str) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLE)]).exit_code == 0
    _write_as_version_1(settings_env)

    for command in (["search", "上海"], ["ingest", str(SAMPLE)], ["check"]):
        refused = runner.invoke(app, command)
        assert refused.exit_code == 1, command
        assert "data version 1" in refused.output and "policykg migrate" in refused.output
    assert _cypher_value(_NOT_A_TYPE) > 0  # raw read-only Cypher still inspects the old graph

    migrated = runner.invoke(app, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "migrated 1 documents" in migrated.output
    assert read_version(settings_env) == DATA_VERSION
    assert _cypher_value(_NOT_A_TYPE) == 0
    assert _cypher_value("MATCH (t:Task) WHERE t.number > 0 RETURN count(t)") == 24
    assert runner.invoke(app, ["search", "上海"]).exit_code == 0


def test_data_of_a_newer_version_is_refused(settings_env: Path, backend: str) -> None:
    assert runner.invoke(app, ["ingest", str(SAMPLE)]).exit_code == 0
    write_version(settings_env, DATA_VERSION + 1)
    refused = runner.invoke(app, ["search", "上海"])
    assert refused.exit_code == 1 and "newer policykg" in refused.output
