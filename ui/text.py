"""Showing untrusted text safely: answers and bank text are escaped, never rendered as markup."""

from __future__ import annotations

import html
import re

from grader.result import GradeResult

_INLINE = re.compile(r"([\\`*_\[\]<>$~|#])")
_LINE_START = re.compile(r"^(\s*)(?:([-+=>])|(\d+)([.)]))(\s)", re.MULTILINE)


def md(text: str) -> str:
    """Text for st.markdown: markdown and HTML characters escaped, so it shows exactly as typed (a ``<script>``
    stays text, ``$x$`` is not maths, ``- x`` at a line start is not a list)."""
    escaped = _INLINE.sub(r"\\\1", text)

    def marker(m: re.Match[str]) -> str:
        if m.group(2):  # "- item": escape the bullet
            return f"{m.group(1)}\\{m.group(2)}{m.group(5)}"
        return f"{m.group(1)}{m.group(3)}\\{m.group(4)}{m.group(5)}"  # "1. item": escape the dot

    return _LINE_START.sub(marker, escaped)


def highlighted_answer(answer: str, result: GradeResult) -> str:
    """HTML of the answer with each credited point's evidence marked (covered green, partial amber)."""
    marks: list[tuple[int, int, str, str]] = []
    for p in result.points:
        for e in p.evidence:
            marks.append((e.start, e.end, p.verdict, p.label))
    marks.sort()
    out: list[str] = []
    cursor = 0
    for start, end, verdict, label in marks:
        if start < cursor:  # overlapping evidence: keep the first mark
            continue
        out.append(html.escape(answer[cursor:start]))
        colour = "#c8f0cf" if verdict == "covered" else "#ffe7a8"
        out.append(
            f'<mark style="background:{colour};padding:0 2px;border-radius:3px" title="{html.escape(label)}">'
            f"{html.escape(answer[start:end])}</mark>"
        )
        cursor = end
    out.append(html.escape(answer[cursor:]))
    body = "".join(out).replace("\n", "<br>")
    return f'<div data-testid="highlighted-answer" style="line-height:1.6">{body}</div>'
