"""The grader a screen asked for, from the server's settings: the offline grader, or the LLM grader configured
by OPENAI_API_KEY, OPENAI_BASE_URL or INTERVIEW_GRADER_GGUF (without them its answers fail with that message
and are retried later)."""

from __future__ import annotations

from config.once import once
from grader.base import Grader


@once
def grader_for(kind: str) -> Grader:
    from config.settings import get_settings
    from grader.service import make_grader

    return make_grader(get_settings(), kind)
