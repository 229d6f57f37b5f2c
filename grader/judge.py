"""The judge interface: what every judge (the offline one, an LLM) is given and what it must return.

A judge sees only what a bank provides (the question text, each point's text, label, examples and optional
paraphrases, the question's synonyms) and the answer as screened: the full text, for offsets, and the spans
that may be graded. It proposes one verdict per point with the words of the answer that show it. It never
computes a score, and nothing it says counts until :mod:`grader.verification` has checked it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from grader.result import GraderKind, SetAside, Verdict
from grader.segments import Span
from rubric.model import Question


@dataclass(frozen=True)
class JudgeRequest:
    question: Question
    answer: str  # the whole answer as written; spans and quotes refer to it
    graded: list[Span]  # the parts of the answer a verdict may rest on, in order
    set_aside: list[SetAside]  # the parts screened out, with their reasons (never evidence)

    @property
    def masked_answer(self) -> str:
        """The answer with every set-aside part blanked out (same length, so offsets hold): what a judge that
        works on offsets reads."""
        out = list(self.answer)
        for s in self.set_aside:
            for i in range(s.start, s.end):
                if not out[i].isspace():
                    out[i] = " "
        return "".join(out)

    def outside_set_aside(self, start: int, end: int) -> tuple[int, int] | None:
        """The longest stretch of ``[start, end)`` that overlaps no set-aside part, trimmed of white space."""
        cuts = sorted((max(s.start, start), min(s.end, end)) for s in self.set_aside if s.start < end and start < s.end)
        pieces, cursor = [], start
        for a, b in cuts:
            pieces.append((cursor, a))
            cursor = max(cursor, b)
        pieces.append((cursor, end))
        best = None
        for a, b in pieces:
            while a < b and not self.answer[a].isalnum():
                a += 1
            while b > a and not self.answer[b - 1].isalnum() and self.answer[b - 1] not in ".!?)\"'":
                b -= 1
            if b > a and (best is None or b - a > best[1] - best[0]):
                best = (a, b)
        return best

    def graded_text(self) -> str:
        """What a model is shown: the answer with every set-aside part cut out, the text on either side joined
        by the widest white space at the cut (a paragraph break stays one), trimmed. Text that is set aside
        therefore leaves no trace: an answer with an injection that was set aside shows the model exactly what
        the same answer without it shows."""
        pieces, cursor = [], 0
        for s in sorted(self.set_aside, key=lambda s: s.start):
            if s.start > cursor:
                pieces.append(self.answer[cursor : s.start])
            cursor = max(cursor, s.end)
        pieces.append(self.answer[cursor:])
        out = ""
        for piece in pieces:
            if not out:
                out = piece.lstrip()
                continue
            left, right = out.rstrip(), piece.lstrip()
            if not right:
                continue
            gap = out[len(left) :] + piece[: len(piece) - len(right)]
            out = left + ("\n\n" if gap.count("\n") >= 2 else "\n" if "\n" in gap else " ") + right
        return out.strip()


@dataclass(frozen=True)
class PointClaim:
    """A judge's proposal for one point: a verdict and the answer's words that show it.

    ``span`` holds offsets into the answer when the judge knows them (the offline judge); a model gives only
    ``quote``, which verification locates."""

    point_id: str
    verdict: Verdict
    quote: str = ""
    span: tuple[int, int] | None = None
    reason: str = ""
    probability: dict[str, float] | None = None


@dataclass(frozen=True)
class JudgeReply:
    claims: list[PointClaim]
    tokens_in: int = 0
    tokens_out: int = 0
    attempts: int = 1
    cost_usd: float | None = 0.0
    extra: dict[str, object] = field(default_factory=dict)


class Judge(Protocol):
    @property
    def kind(self) -> GraderKind: ...
    @property
    def name(self) -> str: ...  # e.g. "offline-matcher", "llm"
    @property
    def model(self) -> str: ...
    @property
    def prompt_name(self) -> str: ...
    @property
    def prompt_hash(self) -> str: ...  # the prompt's hash, or for a model that needs none, of its weights and code

    def judge(self, request: JudgeRequest) -> JudgeReply: ...
