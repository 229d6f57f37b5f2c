"""Which words of a clause the candidate rejects: "I would not use Kafka", "no need for Redis",
"rather than feature flags", "Kafka is overkill here".

A cue negates the words after it up to the end of its clause, a comma, or a contrast word; "not only" and
"not just" add rather than reject; a cue after the words ("X is not needed", "X is overkill") negates the
words before it. Two overlapping cues cancel ("never ship without monitoring" affirms monitoring).
"""

from __future__ import annotations

from grader.segments import Word

FORWARD_CUES = frozenset(
    "not no never without nor neither cannot can't don't doesn't didn't won't wouldn't shouldn't isn't aren't "
    "wasn't weren't avoid avoiding skip skipping against n't lack lacks lacking".split()
)
_ADDITIVE_AFTER_NOT = frozenset({"only", "just", "merely", "simply", "necessarily"})
_BACKWARD_AFTER_NOT = frozenset(
    "needed necessary required useful worth helpful important relevant recommended appropriate enough "
    "sufficient ideal wise".split()
)
BACKWARD_CUES = frozenset("unnecessary overkill pointless needless useless unneeded optional".split())
_PHRASE_CUES = (("instead", "of"), ("rather", "than"), ("no", "need"), ("not", "need"), ("don't", "need"))
_SCOPE_END = frozenset("but however whereas while although though instead yet so because since then which that".split())
# "and" ends a scope when a new clause starts after it ("we skip Kafka and we use Redis"), not inside a list.
_CLAUSE_STARTERS = frozenset("we i you they it he she this that then instead use rely".split())
_PUNCT_END = (",", ";", ":", "(", ")")


def negated_flags(words: list[Word], text_between: list[str]) -> list[bool]:
    """For each word, whether the candidate rejects it. ``text_between[i]`` is the text between word i-1 and i
    (punctuation there ends a negation's scope)."""
    depth = [0] * len(words)
    lowers = [w.lower for w in words]
    i = 0
    while i < len(words):
        w = lowers[i]
        nxt = lowers[i + 1] if i + 1 < len(words) else ""
        if (w, nxt) in _PHRASE_CUES:
            _mark_forward(depth, words, lowers, text_between, i + 2)
            i += 2
            continue
        if w in FORWARD_CUES or w.endswith("n't"):
            if nxt in _ADDITIVE_AFTER_NOT:
                i += 2
                continue
            if nxt in _BACKWARD_AFTER_NOT or (
                nxt in ("be", "really") and i + 2 < len(words) and lowers[i + 2] in _BACKWARD_AFTER_NOT
            ):
                _mark_backward(depth, text_between, i)
            else:
                _mark_forward(depth, words, lowers, text_between, i + 1)
        elif w in BACKWARD_CUES:
            _mark_backward(depth, text_between, i)
        i += 1
    return [d % 2 == 1 for d in depth]


def _mark_forward(depth: list[int], words: list[Word], lowers: list[str], between: list[str], start: int) -> None:
    for j in range(start, len(words)):
        if j > start and (any(p in between[j] for p in _PUNCT_END) or lowers[j] in _SCOPE_END):
            break
        if lowers[j] == "and" and j + 1 < len(words) and lowers[j + 1] in _CLAUSE_STARTERS:
            break
        depth[j] += 1


def _mark_backward(depth: list[int], between: list[str], cue: int) -> None:
    for j in range(cue - 1, -1, -1):
        depth[j] += 1
        if any(p in between[j] for p in _PUNCT_END):
            break
