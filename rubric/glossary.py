"""Domain synonyms and abbreviations (``rubric/data/glossary.yaml``), for matching text to rubrics."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import yaml

from config.once import once

GLOSSARY_PATH = Path(__file__).with_name("data") / "glossary.yaml"


class Glossary:
    def __init__(self, groups: list[list[str]]) -> None:
        self.groups = [[str(t) for t in group] for group in groups if group]
        self.digest = hashlib.sha256(json.dumps(self.groups).encode()).hexdigest()[:16]
        alternatives = sorted(
            ((term, i) for i, group in enumerate(self.groups) for term in group), key=lambda x: -len(x[0])
        )
        self._pattern = (
            re.compile(
                r"(?<![\w/])(" + "|".join(re.escape(term) for term, _ in alternatives) + r")(?![\w/])", re.IGNORECASE
            )
            if alternatives
            else None
        )
        self._group_of = {term.lower(): i for term, i in alternatives}

    def groups_in(self, text: str) -> list[int]:
        """Indexes of the glossary groups that ``text`` mentions, in order of first mention."""
        seen: dict[int, None] = {}
        if self._pattern is None:
            return []
        for m in self._pattern.finditer(text):
            seen.setdefault(self._group_of[m.group(1).lower()], None)
        return list(seen)

    def expand(self, text: str) -> str:
        """``text`` followed by the other names of every term it mentions, for embedding and search."""
        if self._pattern is None:
            return text
        mentioned = {m.group(1).lower() for m in self._pattern.finditer(text)}
        extra = []
        for i in self.groups_in(text):
            extra.extend([t for t in self.groups[i] if t.lower() not in mentioned][:2])
        return f"{text} ({'; '.join(extra)})" if extra else text

    def canonical(self, term: str) -> str | None:
        i = self._group_of.get(term.lower())
        return None if i is None else self.groups[i][0]


@once
def glossary() -> Glossary:
    return Glossary(yaml.safe_load(GLOSSARY_PATH.read_text(encoding="utf-8")))
