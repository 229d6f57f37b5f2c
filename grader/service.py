"""Grading as the app, the CLI and the evals use it: check the answer, resolve the question, use the cache,
and pick the grader from settings."""

from __future__ import annotations

import time
from functools import cache

from grader.base import MAX_ANSWER_CHARS, Grader, GraderError, answer_sha256
from grader.cache import GradeCache, cache_key
from grader.result import GradeResult
from interview_grader.settings import Settings
from rubric.model import Question


class AnswerError(ValueError):
    """An answer we refuse to grade (too long, not text); the message says what to change."""


def check_answer(answer: object) -> str:
    if not isinstance(answer, str):
        raise AnswerError("the answer must be text")
    if len(answer) > MAX_ANSWER_CHARS:
        raise AnswerError(
            f"the answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,} (about 3,000 words)"
        )
    if "\x00" in answer:
        raise AnswerError("the answer contains a NUL character; send plain text")
    try:
        answer.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate, e.g. from a JSON "\ud800" escape
        raise AnswerError(f"the answer is not valid Unicode text (at character {err.start + 1:,})") from None
    return answer


def grade(question: Question, answer: str, grader: Grader, grade_cache: GradeCache | None = None) -> GradeResult:
    """Grade ``answer``; a cached result for the same rubric, answer, grader, model and prompt comes back at once."""
    check_answer(answer)
    key = cache_key(question.content_hash(), answer_sha256(answer), grader.kind, grader.model, grader.prompt_hash)
    if grade_cache is not None:
        started = time.perf_counter()
        hit = grade_cache.get(key)
        if hit is not None:
            meta = hit.meta.model_copy(update={"cached": True, "latency_ms": (time.perf_counter() - started) * 1000})
            return hit.model_copy(update={"meta": meta})
    result = grader.grade(question, answer)
    if grade_cache is not None:
        grade_cache.put(key, result)
    return result


def make_grader(settings: Settings, kind: str | None = None) -> Grader:
    """The grader the settings ask for. The LLM grader needs a key, a base URL, or a GGUF file."""
    kind = kind or settings.grader
    if kind == "offline":
        return _offline()
    if kind != "llm":
        raise GraderError(f"unknown grader {kind!r} (choose offline or llm)")
    from grader.llm import LLMGrader
    from grader.llm_client import LLMClient
    from grader.local_server import serve_gguf

    base_url = settings.openai_base_url
    model = settings.model
    if settings.gguf_path:
        base_url = serve_gguf(settings.gguf_path)
        model = settings.gguf_path.stem
    elif not base_url and not settings.openai_api_key:
        raise GraderError(
            "the LLM grader needs OPENAI_API_KEY (OpenAI), OPENAI_BASE_URL (an OpenAI-compatible server) "
            "or INTERVIEW_GRADER_GGUF (a local model file)"
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = LLMClient(
        base_url=base_url,
        api_key=key,
        model=model,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )
    from prompts.loader import load_prompt

    return LLMGrader(client, load_prompt(settings.prompt_name))


@cache
def _offline() -> Grader:
    from grader.offline import OfflineGrader

    return OfflineGrader()


def default_cache() -> GradeCache:
    from interview_grader.paths import data_home

    return GradeCache(data_home() / "grade-cache.sqlite")
