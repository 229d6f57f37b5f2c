"""Words as the matchers see them: lower-cased, light-stemmed, without stop words."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9$][A-Za-z0-9$+#/'-]*")

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves let lets
    also get gets got use used using make makes made way ways thing things need needs really like want one two
    well much many may might must shall us it's i'd i'm i'll i've you'd you're we'd we're we'll they're that's
    there's what's don't doesn't isn't aren't wasn't weren't won't can't couldn't shouldn't wouldn't""".split()
)


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to equate 'caches', 'caching' and 'cached'."""
    w = word.lower().strip("'-/")
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix, keep in (
        ("ational", "ate"),
        ("ization", "ize"),
        ("isation", "ize"),
        ("fulness", "ful"),
        ("iveness", "ive"),
        ("ements", ""),
        ("ement", ""),
        ("ments", ""),
        ("ment", ""),
        ("ities", ""),
        ("ity", ""),
        ("ations", "ate"),
        ("ation", "ate"),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ied", "y"),
        ("ers", ""),
        ("er", ""),
        ("ed", ""),
        ("es", ""),
        ("ly", ""),
        ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: len(w) - len(suffix)] + keep
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "ls":
        w = w[:-1]
    return w.rstrip("e") if len(w) > 4 else w


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def content_terms(text: str) -> list[str]:
    """Stemmed words of ``text`` minus stop words, in order (duplicates kept)."""
    return [stem(w) for w in words(text) if w.lower() not in STOP_WORDS and len(w) > 1]
