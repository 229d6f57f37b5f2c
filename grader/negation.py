"""Which words of a sentence the candidate rejects: "I would not use X", "no need for a Y",
"rather than a Z", "X is overkill here", "batching doesn't really apply", "linting is a waste
of time, I'd skip it".

A cue negates the words after it up to the end of its clause (punctuation, or a word such as "but",
"because", "so"); "not only" and "not just" add rather than reject. When nothing but filler follows a cue
("doesn't really apply", "I'd skip it"), or the cue judges what came before ("X is not needed", "X is
overkill"), it negates the words before it instead, reaching back past one comma when the words right before
it are filler too ("X, I'd skip it"). A cue inside another cue's forward scope cancels it ("never ship
without monitoring" affirms monitoring); looking back only ever rejects.
"""

from __future__ import annotations

from grader.segments import Word
from rubric.terms import STOP_WORDS

FORWARD_CUES = frozenset(
    "not no never without nor neither cannot can't don't doesn't didn't won't wouldn't shouldn't isn't aren't "
    "wasn't weren't avoid avoiding skip skipping against n't lack lacks lacking".split()
)
_ADDITIVE_AFTER_NOT = frozenset({"only", "just", "merely", "simply", "necessarily"})
_BACKWARD_AFTER_NOT = frozenset(
    "needed necessary required useful worth helpful important relevant recommended appropriate enough "
    "sufficient ideal wise".split()
)
BACKWARD_CUES = frozenset("unnecessary overkill pointless needless useless unneeded waste".split())
_PHRASE_CUES = (("instead", "of"), ("rather", "than"), ("no", "need"), ("not", "need"), ("don't", "need"))
_SCOPE_END = frozenset("but however whereas while although though instead yet so because since then which that".split())
# "and" ends a scope when a new clause starts after it ("we skip X and we use Y"), not inside a list.
_CLAUSE_STARTERS = frozenset("we i you they it he she this that then instead use rely".split())
_PUNCT_END = (",", ";", ":", "(", ")", " - ", " – ", " — ")
# Words that carry no content of their own after a cue: "doesn't really apply", "wouldn't bother with it".
_FILLER = frozenset(
    """really apply applies work works help helps matter matters either too at all much well here there anymore
    bother bothering set up use using need needed it them those these this that one ones sense make makes
    scale scales go for with recommend think believe buy honestly personally anyway though""".split()
)


def _is_filler(word: str) -> bool:
    return word in _FILLER or word in STOP_WORDS


# Grammatical negation only: what verification reads a quote with, so a word like "against" ("validate against
# the schema") or "skip" never makes a right judge's quote look like a denial.
STRICT_CUES = frozenset("not no never without nor neither cannot".split())


def negated_flags(words: list[Word], text_between: list[str], *, strict: bool = False) -> list[bool]:
    """For each word, whether the candidate rejects it. ``text_between[i]`` is the text between word i-1 and i
    (punctuation there ends a negation's scope). ``strict`` reads only grammatical negation ("not", "no",
    "n't", "never", "without") forward, in its noun phrase for "no" and "without", and none of the rejecting
    verbs and judgements ("avoid", "overkill") nor the cues that look back ("X isn't needed")."""
    forward = STRICT_CUES if strict else FORWARD_CUES
    depth = [0] * len(words)  # nesting of forward scopes: odd means rejected
    back = [False] * len(words)  # rejected by a cue that looks back
    lowers = [w.lower for w in words]
    i = 0
    while i < len(words):
        w = lowers[i]
        nxt = lowers[i + 1] if i + 1 < len(words) else ""
        if (w, nxt) in _PHRASE_CUES and not strict:
            _forward_or_back(depth, back, lowers, text_between, i + 1)
            i += 2
            continue
        if w in forward or w.endswith("n't"):
            if nxt in _ADDITIVE_AFTER_NOT:
                i += 2
                continue
            after = lowers[i + 2] if i + 2 < len(words) else ""
            if nxt in _BACKWARD_AFTER_NOT or (nxt in ("be", "really") and after in _BACKWARD_AFTER_NOT):
                if not strict:
                    _mark_backward(back, lowers, text_between, i, cross=False)
            else:
                _forward_or_back(depth, back, lowers, text_between, i, strict=strict)
        elif w in BACKWARD_CUES and not strict:
            _mark_backward(back, lowers, text_between, i, cross=False)
        i += 1
    return [d % 2 == 1 or b for d, b in zip(depth, back, strict=True)]


# "no downtime during deploys": a determiner's negation covers its noun phrase, not what the phrase is
# attached to (strict reading only).
_DETERMINER_CUES = frozenset({"no", "without", "nor", "neither"})
_PREPOSITIONS = frozenset(
    "during for in on at with across between per to of from by via over under through after before within".split()
)


def _forward_scope(lowers: list[str], between: list[str], cue: int, *, strict: bool = False) -> list[int]:
    scope = []
    noun_phrase = strict and lowers[cue] in _DETERMINER_CUES
    for j in range(cue + 1, len(lowers)):
        if j > cue + 1 and (any(p in between[j] for p in _PUNCT_END) or lowers[j] in _SCOPE_END):
            break
        if noun_phrase and j > cue + 1 and lowers[j] in _PREPOSITIONS:
            break
        if lowers[j] == "and" and j + 1 < len(lowers) and lowers[j + 1] in _CLAUSE_STARTERS:
            break
        scope.append(j)
    return scope


_POINTING_BACK = frozenset({"it", "them", "that", "those", "this", "these"})


def _forward_or_back(
    depth: list[int], back: list[bool], lowers: list[str], between: list[str], cue: int, *, strict: bool = False
) -> None:
    scope = _forward_scope(lowers, between, cue, strict=strict)
    pointing_back = bool(scope) and lowers[scope[0]] in _POINTING_BACK  # "I'd skip it", "wouldn't set those up"
    if scope and not pointing_back and not all(_is_filler(lowers[j]) for j in scope):
        for j in scope:
            depth[j] += 1
    elif not strict:  # the strict reading never looks back ("the clocking you don't need")
        _mark_backward(back, lowers, between, cue, cross=True)


def _mark_backward(back: list[bool], lowers: list[str], between: list[str], cue: int, *, cross: bool) -> None:
    """Reject the words before ``cue`` back to the start of their clause; with ``cross``, when those are all
    filler ("X, I'd skip it"), go back one more clause."""
    crossed = not cross
    content = False
    for j in range(cue - 1, -1, -1):
        if lowers[j] in _SCOPE_END:
            if content or crossed:
                break
            crossed = True
            continue
        back[j] = True
        content = content or not _is_filler(lowers[j])
        if any(p in between[j] for p in _PUNCT_END):
            if content or crossed:
                break
            crossed = True
