"""The routes' dependencies in one place, so that tests can swap any of them with
``app.dependency_overrides``: the caller's key (reader or admin), the components, the library
and the originals, all kept on ``app.state`` by ``create_app``."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from service.api.auth import (
    ANONYMOUS,
    ForbiddenError,
    KeyRing,
    Principal,
    Role,
    UnauthenticatedError,
    is_loopback,
)
from service.api.ratelimit import ConcurrencyGate, RateLimiter
from service.ingest.library import Library
from service.ingest.originals import OriginalStore
from service.wiring import Components

api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key")
bearer = HTTPBearer(auto_error=False, description="the same key as a bearer token")


def authorize(request: Request, presented: str | None, role: Role) -> Principal:
    """The caller of ``request`` by the key it presented, after one token of its rate limit:
    the access check of every route and of the MCP endpoint. Raises
    ``UnauthenticatedError``, ``ForbiddenError`` or ``RateLimitedError``."""
    keyring: KeyRing = request.app.state.keyring
    limiter: RateLimiter = request.app.state.limiter
    address = f"address:{request.client.host if request.client else 'unknown'}"
    caller: str | None
    if keyring.empty:
        principal, caller = ANONYMOUS, address
        if not request.app.state.limit_local_open and _local(request):
            caller = None  # a keyless server asked on loopback: the user's own machine
    else:
        found = keyring.authenticate(presented) if presented else None
        if found is None:
            limiter.take(address)  # guessing keys costs tokens too
            raise UnauthenticatedError(
                "the API key is not valid" if presented else
                "send an API key in the X-API-Key header or as Authorization: Bearer")
        principal, caller = found, found.key_id
        if not principal.may(role):
            raise ForbiddenError(
                f"{principal.key_id} is a {principal.role} key; this needs an {role} key")
    request.state.principal = principal
    if caller is not None:
        limiter.take(caller)
    return principal


def presented_key(request: Request) -> str | None:
    """The key in ``X-API-Key``, else in ``Authorization: Bearer``."""
    key = request.headers.get("x-api-key")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return key or (token.strip() if scheme.lower() == "bearer" and token.strip() else None)


def _local(request: Request) -> bool:
    """Asked over loopback: both ends of the connection are loopback addresses."""
    server = request.scope.get("server")
    return bool(request.client and is_loopback(request.client.host)
                and server and is_loopback(str(server[0])))


def _authorize(request: Request, key: str | None,
               token: HTTPAuthorizationCredentials | None, role: Role) -> Principal:
    return authorize(request, key or (token.credentials if token else None), role)


def require_reader(request: Request,
                   key: Annotated[str | None, Security(api_key)],
                   token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
                   ) -> Principal:
    return _authorize(request, key, token, "reader")


def require_admin(request: Request,
                  key: Annotated[str | None, Security(api_key)],
                  token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
                  ) -> Principal:
    return _authorize(request, key, token, "admin")


def get_components(request: Request) -> Components:
    return request.app.state.components  # type: ignore[no-any-return]


def get_library(request: Request) -> Library:
    return request.app.state.documents  # type: ignore[no-any-return]


def cypher_slot(request: Request) -> Iterator[None]:
    """A place among the /cypher queries allowed to run at once (429 when none is free)."""
    gate: ConcurrencyGate = request.app.state.cypher_gate
    with gate:
        yield


def get_originals(request: Request) -> OriginalStore:
    return request.app.state.originals  # type: ignore[no-any-return]


Reader = Annotated[Principal, Depends(require_reader)]
Admin = Annotated[Principal, Depends(require_admin)]
ComponentsDep = Annotated[Components, Depends(get_components)]
LibraryDep = Annotated[Library, Depends(get_library)]
OriginalsDep = Annotated[OriginalStore, Depends(get_originals)]
CypherSlot = Annotated[None, Depends(cypher_slot)]
DocId = Annotated[str, Path(max_length=200, description="a document id (doc_…)")]
