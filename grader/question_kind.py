"""What kind of answer a question asks for, read from its wording: a choice or a name ("Which encoding should
be used?", "What HTTP status code ...?", "Name the layer that ...") can be answered correctly in a word or two."""

from __future__ import annotations

import re

_CHOICE = re.compile(
    r"^\W*(?:which|name|choose|pick|select|identify)\b"
    r"|\bwhich\s+(?:\w+\s+){0,3}(?:should|would|is|are|do|does|did|can|could|will|to|of)\b"
    r"|\bwhat\s+(?:\w+\s+){0,3}(?:is|are)\s+(?:it|this|that|they)?\s*called\b"
    r"|\bwhat\s+(?:is\s+the\s+)?(?:name|term)\b"
    r"|\bwhat\s+(?:[\w-]+\s+){0,2}(?:status\s+code|code|encoding|algorithm|protocol|method|verb|structure|level|"
    r"port|layer|type|tool|command|pattern|format|data\s+structure|isolation\s+level|header|flag)\b"
    r"|\b(?:[\w-]+)\s+or\s+(?:[\w-]+\s*){1,3}\?\s*$",
    re.IGNORECASE,
)


def asks_for_a_name(question_text: str) -> bool:
    """True when a correct answer may be a single name or choice ("Binary encoding.", "Serializable")."""
    first = re.split(r"(?<=\?)\s", question_text.strip(), maxsplit=1)[0]
    return any(bool(_CHOICE.search(part)) for part in (first, question_text))
