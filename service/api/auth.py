"""API keys with two roles, reader and admin, and the rule about serving without keys.

Keys come from ``POLICYKG_READER_KEYS`` / ``POLICYKG_ADMIN_KEYS`` (comma-separated) and the
keys file (``POLICYKG_KEYS_FILE``: lines ``reader|admin KEY [NAME]``, ``#`` starts a
comment). A key is never logged or stored: the audit log names it by ``key_id``, its name
from the keys file or else ``key-`` and the first 12 hex digits of its sha256.
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from service.errors import ServiceError
from service.settings import Settings

Role = Literal["reader", "admin"]
_RANK: dict[Role, int] = {"reader": 0, "admin": 1}
_MIN_KEY_LENGTH = 16


class AuthError(ServiceError):
    """Root of the access errors; the API maps them to 401 and 403."""


class UnauthenticatedError(AuthError):
    """No key, or a key that matches none configured."""


class ForbiddenError(AuthError):
    """A valid key whose role may not do this."""


class KeyConfigError(AuthError):
    """The configured keys are unusable (short, unreadable file, bad line)."""


class InsecureBindError(AuthError):
    """Serving without keys on an address other hosts can reach."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``key_id`` names the key (never the key itself); ``anonymous`` in open
    mode, where everyone may do everything."""

    key_id: str
    role: Role
    anonymous: bool = False

    def may(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


ANONYMOUS = Principal(key_id="anonymous", role="admin", anonymous=True)


def fingerprint(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class _Key:
    digest: bytes
    principal: Principal


class KeyRing:
    """The configured keys. Empty means open mode (see ``check_bind``)."""

    def __init__(self, keys: list[tuple[Role, str, str | None]]) -> None:
        self._keys: list[_Key] = []
        for role, key, name in keys:
            if len(key) < _MIN_KEY_LENGTH:
                raise KeyConfigError(
                    f"an API key of the {role} role ({fingerprint(key)}) has {len(key)} "
                    f"characters; use at least {_MIN_KEY_LENGTH} (e.g. `openssl rand -hex 24`)")
            self._keys.append(_Key(_digest(key), Principal(name or fingerprint(key), role)))

    @classmethod
    def from_settings(cls, settings: Settings) -> "KeyRing":
        keys: list[tuple[Role, str, str | None]] = []
        for role, value in (("reader", settings.reader_keys), ("admin", settings.admin_keys)):
            keys.extend((role, k.strip(), None)  # type: ignore[misc]
                        for k in value.get_secret_value().split(",") if k.strip())
        if settings.keys_file is not None:
            keys.extend(read_keys_file(settings.keys_file))
        return cls(keys)

    @property
    def empty(self) -> bool:
        return not self._keys

    @property
    def accepts_writes(self) -> bool:
        """Whether anyone may upload or delete: an admin key, or open mode."""
        return self.empty or any(k.principal.role == "admin" for k in self._keys)

    def authenticate(self, presented: str) -> Principal | None:
        """The principal of ``presented``, compared in constant time with every key (no early
        exit, digests of equal length), or None."""
        digest = _digest(presented)
        found: Principal | None = None
        for key in self._keys:
            if hmac.compare_digest(digest, key.digest):
                found = key.principal
        return found


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def read_keys_file(path: Path) -> list[tuple[Role, str, str | None]]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise KeyConfigError(f"keys file {path}: cannot read ({exc.strerror})") from exc
    keys: list[tuple[Role, str, str | None]] = []
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if fields[0] not in _RANK or len(fields) not in (2, 3):
            raise KeyConfigError(
                f"keys file {path}, line {number}: expected `reader|admin KEY [NAME]`")
        keys.append((fields[0], fields[1], fields[2] if len(fields) == 3 else None))
    return keys


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Refuse to serve without keys on an address other machines can reach, unless
    ``POLICYKG_OPEN=1`` says so explicitly."""
    if settings.open or is_loopback(host) or not KeyRing.from_settings(settings).empty:
        return
    raise InsecureBindError(
        f"no API keys are configured, so serving on {host} would let anyone on the network "
        "upload and delete documents. Set POLICYKG_READER_KEYS / POLICYKG_ADMIN_KEYS (or "
        "POLICYKG_KEYS_FILE), serve on 127.0.0.1, or set POLICYKG_OPEN=1 to serve openly.")
