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
