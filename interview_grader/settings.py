"""One typed settings object, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    grader: Literal["offline", "llm"] = Field("offline", validation_alias="INTERVIEW_GRADER_GRADER")
    # Which offline judge drives the embedded default: the similarity matcher (the default), the learned pair
    # classifier alone, or both weighed by a fitted combiner (better on the labelled held-out sets, worse on
    # SAF; see grader/data/JUDGE_MODEL_CARD.md).
    offline_judge: Literal["combined", "learned", "matcher"] = Field(
        "matcher", validation_alias="INTERVIEW_GRADER_OFFLINE_JUDGE"
    )
    openai_api_key: SecretStr | None = Field(None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("INTERVIEW_GRADER_MODEL", "OPENAI_MODEL"))
    gguf_path: Path | None = Field(None, validation_alias="INTERVIEW_GRADER_GGUF")
    llm_timeout_s: float = Field(60.0, validation_alias="INTERVIEW_GRADER_LLM_TIMEOUT", gt=0)
    llm_max_retries: int = Field(3, validation_alias="INTERVIEW_GRADER_LLM_RETRIES", ge=0, le=10)
    prompt_name: str = Field("grade_points", validation_alias="INTERVIEW_GRADER_PROMPT")


def load_settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
