"""docker-compose.yml is valid (checked by Debian's docker-compose 1.29, no engine needed)."""

import os
import shutil
import subprocess

import pytest
import yaml  # type: ignore[import-untyped]

from tests.conftest import ROOT


def compose(*args: str, password: str | None) -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is not installed: `make test` installs it")
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    return subprocess.run(["docker-compose", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_compose_file_is_valid() -> None:
    result = compose("config", "-q", password="a-long-password")
    assert result.returncode == 0, result.stderr


def test_compose_requires_a_password() -> None:
    result = compose("config", "-q", password=None)
    assert result.returncode != 0 and "NEO4J_PASSWORD" in result.stderr


def test_compose_runs_neo4j_526_with_healthcheck_and_volume() -> None:
    config = yaml.safe_load(compose("config", password="a-long-password").stdout)
    neo4j, api = config["services"]["neo4j"], config["services"]["api"]
    assert neo4j["image"] == "neo4j:5.26"
    assert "healthcheck" in neo4j and neo4j["volumes"]
    assert api["environment"]["POLICYKG_GRAPH"] == "neo4j"
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "build" in api


def test_compose_and_the_test_server_share_the_neo4j_hardening() -> None:
    """Both refuse LOAD CSV from server files and cap each transaction's time and memory."""
    config = yaml.safe_load(compose("config", password="a-long-password").stdout)
    environment = config["services"]["neo4j"]["environment"]
    script = (ROOT / "scripts" / "neo4j_start.sh").read_text("utf-8")
    for setting, value in [("dbms.security.allow_csv_import_from_file_urls", "false"),
                           ("db.transaction.timeout", "30s"),
                           ("dbms.memory.transaction.total.max", "512m"),
                           ("db.memory.transaction.max", "256m")]:
        variable = "NEO4J_" + setting.replace("_", "__").replace(".", "_")
        assert environment[variable] == value, variable
        assert f"\n{setting}={value}\n" in script, setting


def test_compose_api_replicas_keep_their_own_indexes_and_share_the_originals() -> None:
    config = yaml.safe_load(compose("config", password="a-long-password").stdout)
    replicas = [config["services"][name] for name in ("api", "api2")]
    mounts = [{v.split(":")[1]: v.split(":")[0] for v in r["volumes"]} for r in replicas]
    assert mounts[0]["/data"] != mounts[1]["/data"]  # each one's search indexes: its own cache
    assert mounts[0]["/originals"] == mounts[1]["/originals"]
    for replica in replicas:
        assert replica["environment"]["POLICYKG_GRAPH"] == "neo4j"
        assert replica["environment"]["POLICYKG_ORIGINALS_DIR"] == "/originals"
