"""The rate limit keys on the socket peer unless POLICYKG_TRUSTED_PROXIES names the proxy.

A real uvicorn server on a free port, started with the options ``policykg serve`` uses: the
TestClient bypasses uvicorn's proxy-headers middleware, which is what decides the client address.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.api.app import create_app
from service.settings import Settings
from tests.service.api_support import make_settings
from tests.service.lifecycle_support import free_port


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            **settings.proxy_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _statuses(base: str, forwarded_for: list[str]) -> list[int]:
    with httpx.Client(base_url=base, timeout=30) as client:
        return [client.get("/documents", headers={"X-Forwarded-For": address}).status_code
                for address in forwarded_for]


ROTATING = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]


def test_settings_give_uvicorn_no_proxy_headers_by_default() -> None:
    assert Settings(trusted_proxies="").proxy_options() == {"proxy_headers": False}
    assert Settings(trusted_proxies="10.0.0.1, 10.1.0.0/16").proxy_options() == {
        "proxy_headers": True, "forwarded_allow_ips": ["10.0.0.1", "10.1.0.0/16"]}


@pytest.mark.parametrize(("trusted", "expected"), [
    ("", [200, 200, 429, 429]),  # the socket peer is the client, whatever the header says
    ("127.0.0.1", [200, 200, 200, 200]),  # a trusted proxy on loopback: each forwarded address counts
])
def test_rotating_x_forwarded_for_escapes_the_rate_limit_only_behind_a_trusted_proxy(
        tmp_path: Path, trusted: str, expected: list[int]) -> None:
    settings = make_settings(tmp_path / "data", rate_limit_per_minute=1, rate_limit_burst=2,
                             trusted_proxies=trusted)
    with running(settings) as base:
        assert _statuses(base, ROTATING) == expected
