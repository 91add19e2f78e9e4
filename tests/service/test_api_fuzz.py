"""Property-based fuzzing of every operation in the OpenAPI description (schemathesis): no
input makes the server answer 5xx, and every answer matches the documented status codes,
content types and schemas. Bounded: a few examples per operation, so it runs in seconds."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from tests.service.api_support import make_settings, serve

EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings_ = make_settings(tmp_path_factory.mktemp("fuzz") / "data")
    with serve(settings_, sample=True) as test_client:
        yield test_client


def _schema() -> schemathesis.schemas.BaseSchema:
    # The description of an app like the one the fixture serves (the schema does not depend
    # on the data), loaded without starting it.
    from service.api.app import create_app
    from service.settings import Settings

    app = create_app(Settings(data_dir=Path("unused"), embedder="hash"))  # no I/O before start
    return schemathesis.openapi.from_dict(app.openapi())


schema = _schema()
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance,
          st_checks.content_type_conformance, st_checks.response_schema_conformance]


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_server_fail(case: schemathesis.Case, client: TestClient) -> None:
    # Schemathesis serialises cases for `requests`; prepare them with it, send the bytes to
    # the in-process app (whose lifespan the fixture holds open).
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in (
        "method", "url", "params", "headers", "json", "data", "files", "cookies")}).prepare()
    response = client.request(prepared.method or "GET", prepared.url or "/",
                              content=prepared.body, headers=dict(prepared.headers))
    case.validate_response(response, checks=CHECKS)
