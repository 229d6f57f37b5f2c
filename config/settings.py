"""Every setting the product reads, in one typed object: from the environment, an optional ``.env`` file, and
the command line's overrides (``--bank``, ``--home``). Nothing else in the code reads the environment for its own
settings; the entry points (the CLI, the app, the worker) make one :class:`Settings` and pass what it holds down.

``interview-grader settings`` prints the table the README shows (``--markdown``), from the fields below.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting has a value the product cannot use; the message names the variable and what it expects."""


class Settings(BaseSettings):
    # Values come in by their variable names only: a field's own name ("home", "model", "password") must never
    # pick up an unrelated variable such as $HOME. load_settings and updated() take field names and map them.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- grading
    grader: Literal["offline", "llm"] = Field(
        "offline",
        validation_alias="INTERVIEW_GRADER_GRADER",
        description="The default grader: `offline` (the embedded default, no key) or `llm`.",
    )
    offline_judge: Literal["combined", "learned", "matcher"] = Field(
        "matcher",
        validation_alias="INTERVIEW_GRADER_OFFLINE_JUDGE",
        description="Which offline judge drives the embedded default (see grader/data/JUDGE_MODEL_CARD.md).",
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias="OPENAI_API_KEY", description="API key for OpenAI or an OpenAI-compatible server."
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias="OPENAI_BASE_URL",
        description="An OpenAI-compatible server (vLLM, Ollama, llama.cpp), e.g. `http://127.0.0.1:8000/v1`.",
    )
    model: str = Field(
        "gpt-4o-mini",
        validation_alias=AliasChoices("INTERVIEW_GRADER_MODEL", "OPENAI_MODEL"),
        description="The LLM judge's model name.",
    )
    gguf_path: Path | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_GGUF",
        description="A local GGUF model file, served on loopback for the LLM judge.",
    )
    llm_timeout_s: float = Field(
        60.0, validation_alias="INTERVIEW_GRADER_LLM_TIMEOUT", gt=0, description="Seconds per LLM request."
    )
    llm_max_retries: int = Field(
        3, validation_alias="INTERVIEW_GRADER_LLM_RETRIES", ge=0, le=10, description="Retries of a failed request."
    )
    prompt_name: str = Field(
        "grade_points", validation_alias="INTERVIEW_GRADER_PROMPT", description="The prompt in `prompts/`."
    )
    # --- data
    home: Path | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_HOME",
        description="Data folder: index, caches, SQLite database (default `$XDG_DATA_HOME/interview-grader`). "
        "CLI: `--home`.",
    )
    xdg_data_home: Path | None = Field(
        None, validation_alias="XDG_DATA_HOME", description="Where the data folder goes when no home is set."
    )
    bank: Path | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_BANK",
        description="Question bank YAML (default: the shipped bank). CLI: `--bank`.",
    )
    database_url: SecretStr | None = Field(
        None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL (`postgresql://user:pass@host/db`) or SQLite URL (default: SQLite in the home).",
    )
    chroma_url: str | None = Field(
        None,
        validation_alias="CHROMA_URL",
        description="A Chroma server (`http://host:port`, started with `chroma run`) holding the rubric index for "
        "every replica; unset: a local persistent index in the home.",
    )
    db_busy_timeout_s: float = Field(
        30.0,
        validation_alias="INTERVIEW_GRADER_DB_BUSY_TIMEOUT_S",
        ge=0,
        description="Seconds a write waits for a SQLite file another program has locked.",
    )
    tiktoken_cache_dir: Path | None = Field(
        None,
        validation_alias="TIKTOKEN_CACHE_DIR",
        description="tiktoken's encodings (default: `tiktoken/` in the home, built from packages).",
    )
    # --- background grading
    lease_seconds: float = Field(
        300.0,
        validation_alias="INTERVIEW_GRADER_LEASE_SECONDS",
        ge=1,
        description="How long a grading claim holds before another process may take the answer over.",
    )
    concurrency: int = Field(
        4, validation_alias="INTERVIEW_GRADER_CONCURRENCY", ge=1, le=64, description="Answers graded at once."
    )
    onnx_threads: int | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_ONNX_THREADS",
        ge=1,
        le=64,
        description="Threads each ONNX model (embeddings, learned judge) uses; unset: up to 2, as the cores allow. "
        "Set 1 when several graders share a machine's cores.",
    )
    retention_days: int | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_RETENTION_DAYS",
        gt=0,
        description="Delete screens older than this many days (hourly while the app runs); unset keeps them.",
    )
    # --- app
    base_url: str | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_BASE_URL",
        description="The app's public address, used in candidate links (default: the request's host).",
    )
    password: SecretStr | None = Field(
        None,
        validation_alias="INTERVIEW_GRADER_PASSWORD",
        description="A new recruiter's password for `interview-grader user add` without a prompt.",
    )

    def updated(self, **overrides: Any) -> Settings:
        """These settings with ``overrides`` (field names; None means "not given") validated on top."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        try:
            return type(self)(**{variable(k): v for k, v in {**self.model_dump(), **given}.items()})
        except ValidationError as err:
            raise _settings_error(err) from None

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        chroma_server(value)  # raises with the message the user sees
        return value.strip().rstrip("/")

    def inference_threads(self) -> int:
        """Threads per ONNX session: the setting, else up to 2 as the machine's cores allow."""
        return self.onnx_threads or min(2, os.cpu_count() or 1)

    def data_home(self) -> Path:
        """The folder for the index, caches and the database (created on first use)."""
        if self.home is not None:
            home = self.home.expanduser()
        else:
            home = (self.xdg_data_home or Path.home() / ".local" / "share") / "interview-grader"
        home.mkdir(parents=True, exist_ok=True)
        return home

    def index_dir(self) -> Path:
        return self.data_home() / "index"

    def environment(self) -> dict[str, str]:
        """The settings that differ from their defaults, as environment variables: what a child process needs to
        run with the same settings (the CLI's ``app`` command starts Streamlit this way)."""
        env: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value is None or value == field.default:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            env[variable(name)] = str(value)
        return env


def chroma_server(url: str) -> tuple[str, int, bool]:
    """A Chroma server URL (``http://host:port``) as (host, port, ssl); the port defaults to 8000 (443 for https)."""
    found = re.fullmatch(r"(https?)://([^/:\s]+)(?::(\d{1,5}))?/?", url.strip())
    if found is None:
        raise ValueError(f"{url!r} is not a Chroma server URL; expected http://host:port")
    ssl = found.group(1) == "https"
    return found.group(2), int(found.group(3) or (443 if ssl else 8000)), ssl


def variable(field: str) -> str:
    """The environment variable of a field (the first when it has several)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        assert isinstance(first, str)
        return first
    assert isinstance(alias, str)
    return alias


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment, with ``overrides`` (field names; None means "not given") on top.
    Raises SettingsError naming the variable when a value is unusable."""
    given = {variable(k): v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as err:
        raise _settings_error(err) from None


def _settings_error(err: ValidationError) -> SettingsError:
    problems = []
    for e in err.errors():
        where = str(e["loc"][0]) if e["loc"] else "?"
        name = variable(where) if where in Settings.model_fields else where
        problems.append(f"{name}: {e['msg']}")
    return SettingsError("bad setting: " + "; ".join(problems))


_active: Settings | None = None
_read: tuple[tuple[object, ...], Settings] | None = None


def _variables() -> list[str]:
    names: list[str] = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names += [str(a) for a in alias.choices] if isinstance(alias, AliasChoices) else [str(alias)]
    return names


_VARIABLES = _variables()


def get_settings() -> Settings:
    """The settings this process runs with: the ones an entry point put in place with :func:`use_settings`, or,
    when none did, the environment's. Those are read again whenever a variable or the ``.env`` file changed,
    and otherwise kept (the claim loop asks for its lease on every claim)."""
    global _read
    if _active is not None:
        return _active
    env_file = Path(".env")
    key = (
        *(os.environ.get(name) for name in _VARIABLES),
        env_file.stat().st_mtime_ns if env_file.exists() else None,
        str(Path.cwd()),
    )
    if _read is None or _read[0] != key:
        _read = (key, load_settings())
    return _read[1]


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Run with ``settings`` (the CLI's overrides applied) instead of the environment's, then put back what was
    there: a caller running several commands in one process gets its own settings back."""
    global _active
    previous, _active = _active, settings
    try:
        yield settings
    finally:
        _active = previous


def markdown_table() -> str:
    """Every setting as a Markdown table: variable, default, meaning. The README's list is this, generated."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else [alias]
        default = "unset" if field.default is None else f"`{field.default}`"
        variables = " or ".join(f"`{n}`" for n in names)
        rows.append(f"| {variables} | {default} | {field.description} |")
    return "\n".join(rows)
