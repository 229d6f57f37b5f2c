"""Does a span of the answer make a key point? The offline matcher's core.

For each graded sentence (see :mod:`grader.screening`) the matcher looks at the sentence and its clauses:

1. **Negation**: words the candidate rejects ("I would not use X") are taken out before anything is
   compared; a point whose own words the answer denies is reported as contradicted, never credited.
2. **Sides**: for two-sided definitions ("A = ..., B = ...") a clause that names the other side cannot credit
   this side, and a clause that gives this side's property to the other side contradicts it.
3. **Claims**: a bare keyword list ("X, Y, Z.") credits nothing.
4. **Support**: cosine similarity between the clause and the point's phrasings (MiniLM), the weighted share of
   the point's terms present (with the question's synonyms), and mentions of the point's examples.

The scorer's weights and cut-offs are fitted on the golden eval set only (``interview-grader eval
fit-offline``) and held by the gate test on holdout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from grader.negation import negated_flags
from grader.offline_scorer import OfflineScorer
from grader.point_profiles import PointProfile, QuestionProfile, strip_subjects
from grader.polarity import RESTRICTIVE, Polar, antonym_base, asserted_share
from grader.segments import Span, Word, clauses, words
from rubric.glossary import Glossary
from rubric.terms import STOP_WORDS, stem

# A view that rejects this share of a phrasing's terms ("rather not version the files") cannot credit it.
REJECTED_SHARE = 0.34


@dataclass
class SpanView:
    span: Span
    sentence: Span
    claim: bool
    affirmed: set[str]
    negated: set[str]
    subjects: set[str]  # subject keys this span names
    restrictive: bool  # restricts its claim ("only within one partition")
    text_for_vector: str  # the span without rejected words (and without subject names)
    full_text_for_vector: str  # the span as written (without subject names), for points that state an absence
    vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    full_vector: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))


# Function words that can sit inside a bare list ("X and Y", "no tests") without relating anything.
_NOT_RELATIONAL = frozenset(
    "and or nor no not also etc e.g i.e vs both all each any some more most very too only own same such".split()
)


def makes_a_claim(text: str, ws: list[Word]) -> bool:
    """False for bare keyword lists ("X, Y, Z.") that relate nothing to anything."""
    if re.search(r"=|->|→|=>", text):
        return True
    lowers = {w.lower for w in ws}
    if lowers & (STOP_WORDS - _NOT_RELATIONAL):
        return True
    # Without any function word, a clause still claims something when it is a phrase, not a list of names.
    items = [part.strip() for part in re.split(r"[,/;|]|\band\b|\bor\b", text) if part.strip()]
    return len(items) <= 1 and len(ws) >= 4


def _terms_of(
    ws: list[Word], flags: list[bool], text: str, negated_text: str, g: Glossary
) -> tuple[set[str], set[str]]:
    affirmed: set[str] = set()
    negated: set[str] = set()
    for w, neg in zip(ws, flags, strict=True):
        if w.lower in STOP_WORDS or len(w.lower) < 2:
            continue
        base = antonym_base(w.lower)
        if base:  # "irreversible" rejects "reversible"; "not irreversible" affirms it
            (affirmed if neg else negated).add(stem(base))
            continue
        (negated if neg else affirmed).add(w.stem)
    affirmed |= {f"g:{i}" for i in g.groups_in(text)}
    negated |= {f"g:{i}" for i in g.groups_in(negated_text)}
    return affirmed, negated


def _subject_mentions(text: str, offset: int, profile: QuestionProfile) -> list[tuple[int, str]]:
    """(position, subject key) of every subject named in ``text``, longest alias first, no overlaps."""
    found: list[tuple[int, int, str]] = []
    for key, pattern in profile.subject_patterns():
        for m in pattern.finditer(text):
            if not any(s <= m.start() < e or s < m.end() <= e for s, e, _ in found):
                found.append((m.start(), m.end(), key))
    return sorted((offset + s, k) for s, _, k in found)


_SPLIT_BETWEEN_SUBJECTS = re.compile(r",\s*(?:and|or|while|whereas|but)?\s*|\s+(?:and|or|while|whereas|but)\s+")


def _split_by_subject(answer: str, clause: Span, profile: QuestionProfile) -> list[Span]:
    """Split a clause that names two different subjects between them ("X does a and Y does b")."""
    mentions = _subject_mentions(clause.text, clause.start, profile)
    owners = [key for _, key in mentions]
    cuts: list[int] = []
    for k in range(1, len(mentions)):
        if owners[k] == owners[k - 1]:
            continue
        lo, hi = mentions[k - 1][0], mentions[k][0]
        separators = list(_SPLIT_BETWEEN_SUBJECTS.finditer(answer, lo, hi))
        if separators:
            cuts.append(separators[-1].start())
    if not cuts:
        return [clause]
    spans = []
    start = clause.start
    for cut in [*cuts, clause.end]:
        piece = answer[start:cut].strip(" ,;")
        if piece:
            first = answer.index(piece, start)
            spans.append(Span(first, first + len(piece), piece))
        start = cut
    return spans


def _fragments(answer: str, sentence: Span) -> list[Span]:
    """Comma-separated pieces of a list-like sentence ("X for ingestion, Y for serving, ..."), so
    evidence can point at the words that matter."""
    if sentence.text.count(",") < 2:
        return []
    pieces = []
    start = sentence.start
    for m in re.finditer(r",\s*(?:and\s+|or\s+)?", sentence.text):
        piece = _span_of(answer, start, sentence.start + m.start())
        if piece:
            pieces.append(piece)
        start = sentence.start + m.end()
    tail = _span_of(answer, start, sentence.end)
    if tail:
        pieces.append(tail)
    return [p for p in pieces if len(p.text.split()) >= 2]


def _span_of(answer: str, start: int, end: int) -> Span | None:
    text = answer[start:end]
    stripped = text.strip(" .;:")
    if not stripped:
        return None
    first = start + text.index(stripped)
    return Span(first, first + len(stripped), stripped)


@dataclass(frozen=True)
class _Sentence:
    span: Span
    words: list[Word]
    negated: list[bool]
    claim: bool


def _analyse(answer: str, sentence: Span) -> _Sentence | None:
    ws = words(answer, sentence)
    if not ws:
        return None
    between = [answer[(ws[i - 1].end if i else sentence.start) : ws[i].start] for i in range(len(ws))]
    return _Sentence(sentence, ws, negated_flags(ws, between), makes_a_claim(sentence.text, ws))


def _parts(answer: str, sentence: Span, profile: QuestionProfile) -> list[Span]:
    parts = clauses(answer, sentence)
    if profile.has_subjects:
        parts = [piece for c in parts for piece in _split_by_subject(answer, c, profile)]
    return parts


def _subjects_of(span: Span, parts: list[Span], sentence: Span, profile: QuestionProfile) -> set[str]:
    """The subjects a span is about: those it names, else those of the clause around it ("B is for real
    time, like live lookups": the fragment "like live lookups" is about B), else the sentence's single one."""
    named = {key for _, key in _subject_mentions(span.text, span.start, profile)}
    if named or not profile.has_subjects:
        return named
    around = [
        p for p in parts if p.start <= span.start and span.end <= p.end and (p.start, p.end) != (span.start, span.end)
    ]
    for part in sorted(around, key=lambda p: p.end - p.start):
        keys = {key for _, key in _subject_mentions(part.text, part.start, profile)}
        if keys:
            return keys
    keys = {key for _, key in _subject_mentions(sentence.text, sentence.start, profile)}
    return keys if len(keys) == 1 else set()


def _view(
    span: Span, sentence: _Sentence, profile: QuestionProfile, all_subjects: list[re.Pattern[str]], parts: list[Span]
) -> SpanView | None:
    """A view of ``span`` (inside ``sentence``), keeping the sentence's negation and claim status."""
    chosen = [
        (w, f)
        for w, f in zip(sentence.words, sentence.negated, strict=True)
        if w.start >= span.start and w.end <= span.end
    ]
    if not chosen:
        return None
    kept = " ".join(w.text for w, f in chosen if not f)
    rejected = " ".join(w.text for w, f in chosen if f)
    affirmed, negated = _terms_of([w for w, _ in chosen], [f for _, f in chosen], kept, rejected, profile.glossary)
    subjects = _subjects_of(span, parts, sentence.span, profile)
    vector_text = (strip_subjects(kept, all_subjects) if all_subjects else kept) or kept or span.text
    full_text = (strip_subjects(span.text, all_subjects) if all_subjects else span.text) or span.text
    restrictive = any(w.lower in RESTRICTIVE for w, _ in chosen)
    return SpanView(
        span, sentence.span, sentence.claim, affirmed, negated, subjects, restrictive, vector_text, full_text
    )


def _embed(views: list[SpanView]) -> list[SpanView]:
    from embeddings.minilm import get_encoder

    if views:
        # Most views have no rejected words, so their two texts are the same: encode each distinct text once.
        texts = list(dict.fromkeys(t for v in views for t in (v.text_for_vector, v.full_text_for_vector)))
        row = {text: i for i, text in enumerate(texts)}
        vectors = get_encoder().encode(texts)
        for view in views:
            view.vector = vectors[row[view.text_for_vector]]
            view.full_vector = vectors[row[view.full_text_for_vector]]
    return views


def span_views(answer: str, sentences: list[Span], profile: QuestionProfile) -> list[SpanView]:
    """Every sentence plus its clauses, list fragments and subject-split parts, analysed once per grading.

    ``answer`` is the text as the judge reads it (set-aside parts blanked). Negation is decided once per
    sentence, so a fragment keeps the "not" that stands before it."""
    views: list[SpanView] = []
    all_subjects = [p for _, p in profile.subject_patterns()]
    for graded in sentences:
        sentence = Span(graded.start, graded.end, answer[graded.start : graded.end])  # as the judge reads it
        analysis = _analyse(answer, sentence)
        if analysis is None:
            continue
        parts = _parts(answer, sentence, profile)
        candidates = [sentence, *(parts if len(parts) > 1 else []), *_fragments(answer, sentence)]
        seen: set[tuple[int, int]] = set()
        for span in candidates:
            if (span.start, span.end) not in seen:
                seen.add((span.start, span.end))
                view = _view(span, analysis, profile, all_subjects, parts)
                if view is not None:
                    views.append(view)
    return _embed(views)


def _term_share(profile: PointProfile, view: SpanView) -> tuple[float, bool]:
    """Best share of a phrasing's terms the span affirms; and whether the span rejects the point's terms."""
    best = 0.0
    rejected = False
    for phrasing in profile.phrasings:
        if not phrasing.total:
            continue
        hit = sum(w for t, w in phrasing.terms.items() if t in view.affirmed)
        hit += sum(w for t, w in phrasing.negated.items() if t in view.negated)
        best = max(best, hit / phrasing.total)
        against = sum(w for t, w in phrasing.terms.items() if t in view.negated and t not in view.affirmed)
        if phrasing.terms and against / sum(phrasing.terms.values()) >= REJECTED_SHARE:
            rejected = True
    return best, rejected


def _example_hit(profile: PointProfile, view: SpanView) -> tuple[str | None, bool]:
    for terms, text in zip(profile.examples, profile.example_texts, strict=True):
        plain = {t for t in terms if not t.startswith("not:")}
        wanted_negated = {t[4:] for t in terms if t.startswith("not:")}
        if plain <= view.affirmed and wanted_negated <= view.negated:
            return text, False
        if plain and plain <= view.negated and not plain & view.affirmed:
            return text, True
    return None, False


@dataclass(frozen=True)
class Judgement:
    """One view judged for one point: the scorer's features, or the rule that rules the view out."""

    view: SpanView
    features: dict[str, float] | None  # None when a rule vetoes the view
    veto: str | None  # "swapped", "rejected", "asserts_absent", "bare", "both_sides"
    reason: str
    example: str | None
    dense: float
    share: float
    rejects_terms: bool = False  # the view rejects the point's own words ("rather not version the files")


def judge_view(profile: PointProfile, index: int, view: SpanView, question: QuestionProfile) -> Judgement:
    vector = view.full_vector if profile.negative else view.vector
    dense = float(np.max(profile.vectors @ vector)) if len(profile.vectors) else 0.0
    share, rejected_terms = _term_share(profile, view)
    example, rejected_example = _example_hit(profile, view)
    own = profile.subject_key
    if own and view.subjects and own not in view.subjects:
        reason = f"says this about {_names(question, view.subjects)}, not {profile.subject_name}"
        return Judgement(view, None, "swapped", reason, example, dense, share, rejected_terms)
    if own and len(view.subjects) > 1:  # names both sides: its parts are judged instead
        return Judgement(view, None, "both_sides", "", None, dense, share, rejected_terms)
    if rejected_example or rejected_terms:
        named = example or profile.point.label
        return Judgement(
            view, None, "rejected", f"says the opposite: denies {named}", example, dense, share, rejected_terms
        )
    said = Polar(frozenset(view.affirmed), frozenset(view.negated), view.restrictive)
    if view.claim and asserted_share(profile.polar, said) >= 0.5:
        why = f"says the opposite: asserts what the point says is not so ({profile.point.label})"
        return Judgement(view, None, "asserts_absent", why, None, dense, share)
    if not view.claim:
        return Judgement(view, None, "bare", "listed as a bare keyword, with no claim", example, dense, share)
    siblings = [
        float(np.max(other.vectors @ (view.full_vector if other.negative else view.vector)))
        for i, other in enumerate(question.points)
        if i != index and len(other.vectors)
    ]
    features = {
        "dense": dense,
        "margin": dense - max(siblings, default=0.0),
        "share": share,
        "example": 1.0 if example else 0.0,
        "question": float(view.vector @ question.question_vector),
        "dense_x_share": dense * share,
    }
    return Judgement(view, features, None, "", example, dense, share)


def _names(question: QuestionProfile, keys: set[str]) -> str:
    names = {p.subject_key: p.subject_name for p in question.points if p.subject_key}
    return ", ".join(sorted(names.get(k, k) for k in keys))


def _eligible(judgements: list[Judgement]) -> list[Judgement]:
    """Judgements the scorer may weigh: no rule against them, and not inside a sentence that rejects the
    point's own words (a fragment cannot credit what its sentence rejects)."""
    rejecting = {j.view.sentence for j in judgements if j.rejects_terms and j.view.span == j.view.sentence}
    return [j for j in judgements if j.features is not None and j.view.sentence not in rejecting]


def eligible(profile: PointProfile, index: int, views: list[SpanView], question: QuestionProfile) -> list[Judgement]:
    return _eligible([judge_view(profile, index, v, question) for v in views])


@dataclass(frozen=True)
class Support:
    level: str  # "covered", "partial", "missed" or "contradicted"
    span: Span | None
    reason: str
    p_covered: float = 0.0
    p_credited: float = 0.0


def _credit_reason(j: Judgement, level: str) -> str:
    if j.example:
        return f"names {j.example}"
    how = f"{j.share:.0%} of its words" if j.share >= 0.6 else f"in other words, similarity {j.dense:.2f}"
    return f"states the point ({how})" if level == "covered" else f"touches on it ({how})"


def best_support(
    profile: PointProfile,
    index: int,
    views: list[SpanView],
    question: QuestionProfile,
    scorer: OfflineScorer,
    *,
    lenient: bool = False,
) -> Support:
    """The strongest support for a point anywhere in the answer, with a reason when it is missed."""
    judgements = [judge_view(profile, index, v, question) for v in views]
    scored = [(scorer.probabilities(j.features), j) for j in _eligible(judgements)]  # type: ignore[arg-type]
    if scored:
        (p_cov, p_cred), j = max(scored, key=lambda item: (item[0][0], item[0][1], -len(item[1].view.span.text)))
        level = scorer.level(p_cov, p_cred, lenient=lenient)
        if level != "missed":
            return Support(level, j.view.span, _credit_reason(j, level), p_cov, p_cred)
    # A claim that says the opposite of the point, or gives this side's property to the other side, and is
    # plainly about the point, contradicts it.
    for veto in ("rejected", "asserts_absent", "swapped"):
        for j in judgements:
            if j.veto != veto or not j.view.claim:
                continue
            if veto == "rejected":
                if j.rejects_terms:  # denies the point's own words: argues against the point itself
                    return Support("contradicted", j.view.span, j.reason)
                # rejecting one example ("I would not use X") is not arguing against the point itself
                return Support("missed", None, f"names {j.example or 'it'} only to reject it")
            if not (j.dense >= 0.45 or j.share >= 0.4 or j.example):
                continue
            if veto == "swapped" and j.rejects_terms:  # "B does not do X": true of B, says nothing against A
                continue
            return Support("contradicted", j.view.span, j.reason)
    for j in judgements:
        if j.veto == "bare" and (j.share >= 0.4 or j.example):
            return Support("missed", None, j.reason)
    return Support("missed", None, "not mentioned")
