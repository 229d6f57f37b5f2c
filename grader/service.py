"""Make the grader the settings ask for: the grading pipeline driven by the offline judge (the embedded
default) or by an LLM judge (OpenAI, any OpenAI-compatible server, or a local GGUF file served on loopback)."""

from __future__ import annotations

from config.once import once
from config.settings import Settings, get_settings
from grader.base import GraderError
from grader.cache import GradeCache
from grader.pipeline import Pipeline


def make_grader(settings: Settings, kind: str | None = None, grade_cache: GradeCache | None = None) -> Pipeline:
    """The grader the settings ask for. The LLM judge needs a key, a base URL, or a GGUF file."""
    kind = kind or settings.grader
    if kind == "offline":
        return offline_grader(settings.offline_judge).with_cache(grade_cache)
    if kind != "llm":
        raise GraderError(f"unknown grader {kind!r} (choose offline or llm)")
    from grader.llm import LLMJudge
    from grader.llm_client import LLMClient
    from grader.local_server import serve_gguf
    from prompts.loader import load_prompt

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
    return Pipeline(LLMJudge(client, load_prompt(settings.prompt_name)), grade_cache)


def offline_grader(judge: str | None = None) -> Pipeline:
    """The embedded default: the pipeline with an offline judge (one per judge and process; no cache).
    ``judge`` is "combined" (both below, weighed by a small fitted model), "learned" (the pair classifier trained
    here) or "matcher" (similarity and rules); by default
    the one the settings name (``INTERVIEW_GRADER_OFFLINE_JUDGE``)."""
    return _offline_grader(judge or get_settings().offline_judge)


@once
def _offline_grader(judge: str) -> Pipeline:
    from grader.offline import OfflineJudge

    if judge == "matcher":
        return Pipeline(OfflineJudge())
    if judge == "combined":
        from grader.combined_judge import CombinedJudge

        return Pipeline(CombinedJudge())
    if judge != "learned":
        raise GraderError(f"unknown offline judge {judge!r} (choose combined, learned or matcher)")
    from grader.learned_judge import CrossJudge

    return Pipeline(CrossJudge())


def default_cache(settings: Settings | None = None) -> GradeCache:
    return GradeCache((settings or get_settings()).data_home() / "grade-cache.sqlite")
