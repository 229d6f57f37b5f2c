"""Check what a judge claims before it counts: the judge proposes, code verifies, mechanically.

A ``covered`` or ``partial`` claim stands only if its quote

1. is in the answer (verbatim, or up to white space, case and typographic quotes; ``...`` between pieces);
2. lies inside the graded part of the answer (never in text set aside by screening);
3. does not itself deny the point: for a point that states something is so, the quote must affirm something
   and must not negate what the point affirms ("no rate limits" for "rate limits per user", "I would not use
   X" for a point whose example is X); for a point that states an absence ("X does not guarantee Y"), it must
   not assert, with no negation of its own, what the point denies. Only grammatical negation counts here;
4. is a statement, not a bare list of names ("X, Y, Z."), unless the question asks for a name;
5. is not plainly unrelated to the point: it shares a content word with the point (its text, label, examples,
   paraphrases or the question's synonyms) or is at least :data:`RELATED_FLOOR` similar to one of them.

The floor is low on purpose (chosen on the golden evidence spans, held on holdout's): it catches quotes about
something else entirely, and never second-guesses a judge that understood a paraphrase. A ``contradicted``
claim needs a quote that passes 1 and 2. A claim that fails is lowered to ``missed``, with the check that
failed as a code; verification never raises a verdict.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from threading import Lock

import numpy as np

from grader.judge import JudgeRequest, PointClaim
from grader.negation import negated_flags
from grader.polarity import Polar, asserted_share, flipped_share, polar, polar_of
from grader.question_kind import asks_for_a_name
from grader.result import Evidence, PointVerdict
from grader.segments import Span, words
from rubric.model import KeyPoint, Question
from rubric.terms import STOP_WORDS, content_terms

# Below this cosine similarity (MiniLM) to every phrasing of the point, and with no content word in common, a
# quote is about something else. Chosen on golden's evidence spans: see evals/verification_floor.py.
RELATED_FLOOR = 0.0
# A quote that denies at least this share of the point's affirmed terms says the point is not so.
DENIAL_SHARE = 0.5
# A quote that affirms, with no negation of any kind, at least this share of what a negatively worded point
# denies (and two terms or more) asserts what the point says is not so.
ASSERTED_SHARE = 0.75

_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})


class Rejection(Enum):
    NOT_IN_ANSWER = "its quote is not in the answer"
    SET_ASIDE = "its quote is text that was set aside, not part of the graded answer"
    DENIES_POINT = "its quote says the opposite of the point"
    AFFIRMS_NOTHING = "its quote only says what is not so"
    BARE_LIST = "its quote is a list of names, not a statement"
    UNRELATED = "its quote is about something else"
    NO_QUOTE = "it gives no words of the answer"


@dataclass(frozen=True)
class Verified:
    verdicts: list[PointVerdict]
    rejected: dict[str, Rejection]  # point id -> why its claim was lowered


def _normalised(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with runs of white space folded to one space, and each character's original index."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text.translate(_FOLD)):
        if ch.isspace():
            if previous_space:
                continue
            out.append(" ")
            previous_space = True
        else:
            out.append(ch.lower())
            previous_space = False
        index.append(i)
    return "".join(out), index


def locate(answer: str, quote: str) -> Span | None:
    """Where ``quote`` stands in ``answer`` (pieces around '...' in order), or None."""
    quote = quote.strip().strip("\"'“”‘’ ")
    if len(quote) < 2 or not any(ch.isalnum() for ch in quote):
        return None
    exact = answer.find(quote)
    if exact >= 0:
        return Span(exact, exact + len(quote), quote)
    folded, index = _normalised(answer)
    pieces = [p.strip() for p in re.split(r"\.\.\.|…", quote) if p.strip()]
    start = end = None
    cursor = 0
    for piece in pieces:
        target = _normalised(piece)[0].strip()
        found = folded.find(target, cursor)
        if found < 0:
            return None
        start = index[found] if start is None else start
        end = index[found + len(target) - 1] + 1
        cursor = found + len(target)
    if start is None or end is None:
        return None
    return Span(start, end, answer[start:end])


def _inside_graded(span: Span, request: JudgeRequest) -> bool:
    """Every word of the quote lies in a graded part, none in a set-aside one."""
    if any(span.start < s.end and s.start < span.end for s in request.set_aside):
        return False
    return all(any(g.start <= w.start and w.end <= g.end for g in request.graded) for w in words(request.answer, span))


def quote_polarity(answer: str, span: Span, graded: list[Span], *, strict: bool = True) -> Polar:
    """What the quoted words affirm and deny, with negation read in the whole graded part they stand in (a
    quote cannot drop the "not" that stands before it)."""
    affirmed: set[str] = set()
    denied: set[str] = set()
    restrictive = False
    for part in graded:
        if part.end <= span.start or span.end <= part.start:
            continue
        ws = words(answer, part)
        between = [answer[(ws[i - 1].end if i else part.start) : ws[i].start] for i in range(len(ws))]
        flags = negated_flags(ws, between, strict=strict)
        inside = [(w, f) for w, f in zip(ws, flags, strict=True) if span.start <= w.start and w.end <= span.end]
        p = polar_of([w for w, _ in inside], [f for _, f in inside])
        affirmed |= p.affirmed
        denied |= p.denied
        restrictive = restrictive or p.restrictive
    return Polar(frozenset(affirmed), frozenset(denied), restrictive)


_RELATIONAL = STOP_WORDS - frozenset("and or nor also etc e.g i.e vs both all each any some".split())


def is_bare_list(text: str) -> bool:
    """A list of names that relates nothing to anything ("X, Y, Z.")."""
    if re.search(r"=|->|→|=>|:", text):
        return False
    items = [p.strip() for p in re.split(r"[,/;|]|\band\b|\bor\b", text) if p.strip()]
    lowers = {w.lower for w in words(text)}
    return len(items) >= 3 and not lowers & _RELATIONAL


def point_terms(point: KeyPoint, question: Question) -> set[str]:
    """The point's content stems, and those of its examples, paraphrases and the synonyms of its terms."""
    texts = [point.text, point.label, *point.examples, *point.paraphrases]
    terms = {t for text in texts for t in content_terms(text)}
    for group in question.synonyms:
        stems = [set(content_terms(term)) for term in group]
        if any(s and s <= terms for s in stems):
            terms |= set().union(*stems)
    return terms


class _Vectors:
    """Unit vectors of each point's phrasings, per question content (LRU of 256 questions)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
        self._lock = Lock()

    def of(self, question: Question) -> dict[str, np.ndarray]:
        key = question.content_hash()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        from embeddings.minilm import get_encoder

        rows: list[tuple[str, str]] = [
            (p.id, text) for p in question.points for text in (p.text, p.label, *p.examples, *p.paraphrases)
        ]
        matrix = get_encoder().encode([text for _, text in rows])
        vectors = {p.id: matrix[[i for i, (pid, _) in enumerate(rows) if pid == p.id]] for p in question.points}
        with self._lock:
            self._cache[key] = vectors
            while len(self._cache) > 256:
                self._cache.popitem(last=False)
        return vectors


_VECTORS = _Vectors()


def relatedness(question: Question, point: KeyPoint, text: str) -> float:
    """Cosine similarity of ``text`` to the closest phrasing of ``point`` (text, label, examples, paraphrases)."""
    from embeddings.minilm import get_encoder

    vector = get_encoder().encode([text])[0]
    return float(np.max(_VECTORS.of(question)[point.id] @ vector))


def _denial(point: KeyPoint, said: Polar, broad: Polar) -> Rejection | None:
    """Whether the quote, read with its own negations, says the point is not so. ``said`` is the quote read with
    grammatical negation only; ``broad`` with every rejecting word too ("avoids", "instead of")."""
    stated = polar(point.text, strict=True)
    if not stated.denied:  # the point says something is so
        examples = {t for e in point.examples for t in polar(e, strict=True).affirmed}
        wanted = Polar(stated.affirmed | examples, frozenset())
        if not said.affirmed - said.denied:
            return Rejection.AFFIRMS_NOTHING
        if flipped_share(stated, said) >= DENIAL_SHARE and not (wanted.affirmed & (said.affirmed - said.denied)):
            return Rejection.DENIES_POINT
        return None
    # The point states an absence: refuse only a quote that plainly asserts it, with no negation in any sense.
    if broad.denied or said.denied or len(stated.denied & said.affirmed) < 2:
        return None
    return Rejection.DENIES_POINT if asserted_share(stated, said) >= ASSERTED_SHARE else None


def _check(claim: PointClaim, point: KeyPoint, request: JudgeRequest) -> tuple[Span | None, Rejection | None]:
    answer = request.answer
    if claim.span is not None:
        start, end = claim.span
        span = Span(start, end, answer[start:end]) if 0 <= start < end <= len(answer) else None
        if span is not None and claim.quote and span.text != claim.quote:
            span = None
    elif claim.quote.strip():
        span = locate(answer, claim.quote)
    else:
        return None, Rejection.NO_QUOTE
    if span is None:
        return None, Rejection.NOT_IN_ANSWER
    if not _inside_graded(span, request):
        return None, Rejection.SET_ASIDE
    if claim.verdict == "contradicted":
        return span, None
    question = request.question
    why = _denial(
        point, quote_polarity(answer, span, request.graded), quote_polarity(answer, span, request.graded, strict=False)
    )
    if why is not None:
        return None, why
    if is_bare_list(span.text) and not asks_for_a_name(question.text):
        return None, Rejection.BARE_LIST
    shared = point_terms(point, question) & set(content_terms(span.text))
    if not shared and relatedness(question, point, span.text) < RELATED_FLOOR:
        return None, Rejection.UNRELATED
    return span, None


def verify(request: JudgeRequest, claims: list[PointClaim]) -> Verified:
    """One verdict per rubric point, in rubric order; claims for unknown points are ignored, a point with no
    claim is missed."""
    by_point: dict[str, PointClaim] = {}
    for proposed in claims:
        by_point.setdefault(proposed.point_id, proposed)
    verdicts: list[PointVerdict] = []
    rejected: dict[str, Rejection] = {}
    for point in request.question.points:
        claim = by_point.get(point.id)
        if claim is None:
            verdicts.append(
                PointVerdict(point_id=point.id, label=point.label, verdict="missed", reason="no verdict was given")
            )
            continue
        if claim.verdict == "missed":
            verdicts.append(
                PointVerdict(
                    point_id=point.id,
                    label=point.label,
                    verdict="missed",
                    reason=claim.reason or "not in the answer",
                    probability=claim.probability,
                )
            )
            continue
        span, why = _check(claim, point, request)
        if why is not None or span is None:
            rejected[point.id] = why or Rejection.NOT_IN_ANSWER
            verdicts.append(
                PointVerdict(
                    point_id=point.id,
                    label=point.label,
                    verdict="missed",
                    reason=f"the judge's {claim.verdict} claim was rejected: {rejected[point.id].value}",
                    probability=claim.probability,
                )
            )
            continue
        verdicts.append(
            PointVerdict(
                point_id=point.id,
                label=point.label,
                verdict=claim.verdict,
                evidence=[Evidence(start=span.start, end=span.end, text=span.text)],
                reason=claim.reason,
                probability=claim.probability,
            )
        )
    return Verified(verdicts, rejected)
