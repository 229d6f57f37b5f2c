"""The question bank's types: a bank holds questions; a question's rubric is its list of key points."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _non_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


class KeyPoint(_Strict):
    """One atomic, checkable thing a strong answer says."""

    id: str
    label: str = Field(description="a few words, shown in the UI")
    text: str = Field(description="the point as a statement a grader can check")
    examples: list[str] = Field(default_factory=list, description="examples the guide gives; any one will do")
    paraphrases: list[str] = Field(
        default_factory=list,
        description="other ways a candidate may state this point (bank data a user can see and edit; optional: "
        "graders work without them)",
    )
    subject: list[str] = Field(
        default_factory=list,
        description="for two-sided definitions ('Sync = ..., Async = ...'): the names of the thing this point is "
        "about, so a grader can tell a swapped definition from a right one",
    )

    _blank = field_validator("label", "text")(_non_blank)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"point id {value!r} must be lower-case letters, digits, '.', '_' or '-'")
        return value

    @field_validator("examples", "subject", "paraphrases")
    @classmethod
    def _clean_examples(cls, values: list[str]) -> list[str]:
        return [_non_blank(v) for v in values]


class Question(_Strict):
    id: str
    number: int = Field(ge=1)
    section: int = Field(ge=1)
    section_title: str
    text: str
    logic: str = Field(description="the guide's Logic line, verbatim")
    notes: list[str] = Field(default_factory=list, description="further guide lines, e.g. 'Good answers ...'")
    points: list[KeyPoint]
    required: int | None = Field(
        None, ge=1, description="for 'name any N of these' questions: N points make a full answer (default: all)"
    )
    review: Literal["draft", "reviewed"] = "draft"
    synonyms: list[list[str]] = Field(
        default_factory=list,
        description="groups of terms that mean the same in this question's field ('PoC', 'proof of concept'): "
        "bank data, optional",
    )

    _blank = field_validator("text", "logic", "section_title")(_non_blank)

    @field_validator("synonyms")
    @classmethod
    def _clean_synonyms(cls, groups: list[list[str]]) -> list[list[str]]:
        cleaned = [[_non_blank(t) for t in group] for group in groups]
        if any(len(group) < 2 for group in cleaned):
            raise ValueError("a synonym group names at least two terms")
        return cleaned

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"question id {value!r} must be lower-case letters, digits, '.', '_' or '-'")
        return value

    @model_validator(mode="after")
    def _points_unique(self) -> Question:
        if not self.points:
            raise ValueError(f"question {self.id} has no key points")
        ids = [p.id for p in self.points]
        if len(set(ids)) != len(ids):
            raise ValueError(f"question {self.id} repeats a point id")
        if self.required is not None and self.required > len(self.points):
            raise ValueError(f"question {self.id} requires {self.required} of only {len(self.points)} points")
        return self

    def point(self, point_id: str) -> KeyPoint:
        for p in self.points:
            if p.id == point_id:
                return p
        raise KeyError(point_id)

    def content_hash(self) -> str:
        """Changes whenever the question or its rubric changes; graders key caches on it."""
        return _hash(self.model_dump(mode="json", exclude_defaults=True))


class Bank(_Strict):
    id: str
    title: str
    source: str = ""
    questions: list[Question]

    @model_validator(mode="after")
    def _unique(self) -> Bank:
        if not self.questions:
            raise ValueError("the bank has no questions")
        for attr in ("id", "number"):
            seen: set[object] = set()
            for q in self.questions:
                value = getattr(q, attr)
                if value in seen:
                    raise ValueError(f"two questions share the {attr} {value!r}")
                seen.add(value)
        return self

    def content_hash(self) -> str:
        return _hash(self.model_dump(mode="json", exclude_defaults=True))

    def version_stamp(self) -> str:
        """How a grade names the bank version it was graded from: the bank id and its content hash."""
        return f"{self.id}@{self.content_hash()[:12]}"

    def get(self, ref: str | int) -> Question:
        """A question by id (``q06``), number (``6`` or ``"6"``); raises ``KeyError`` otherwise."""
        text = str(ref).strip().lower()
        bare = text.removeprefix("q")
        for q in self.questions:
            if q.id == text or (bare.isdigit() and int(bare) == q.number):
                return q
        raise KeyError(f"no question {ref!r} in bank {self.id}")

    def sections(self) -> dict[int, str]:
        return {q.section: q.section_title for q in self.questions}


def _hash(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
