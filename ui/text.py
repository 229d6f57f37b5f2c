"""Showing untrusted text safely: answers and bank text are escaped, never rendered as markup."""

from __future__ import annotations

import html
import re

from grader.result import GradeResult

_MARK_COLOUR = {"covered": "#c8f0cf", "partial": "#ffe7a8", "contradicted": "#e8d4f5"}


def highlighted_answer(answer: str, result: GradeResult) -> str:
    """HTML of the answer with each point's evidence marked (covered green, partial amber, contradicted violet)
    and every set-aside part struck through, its reason in the tooltip and after it.

    It is one line of HTML: every line end (LF, CR LF or CR) is a ``<br>``, so no blank line ends the HTML block
    and lets the rest of the answer be read as markdown."""
    # CR LF as " LF" and CR as LF: the same length, so the evidence offsets still hold.
    answer = answer.replace("\r\n", " \n").replace("\r", "\n")

    def text(part: str) -> str:
        return html.escape(part).replace("\n", "<br>")

    def attribute(value: str) -> str:
        return re.sub(r"\r\n|\r|\n", "&#10;", html.escape(value))

    marks: list[tuple[int, int, str]] = []
    for aside in result.set_aside:
        marks.append(
            (
                aside.start,
                aside.end,
                f'<del data-testid="set-aside" style="color:#888" title="not graded: {attribute(aside.reason)}">'
                f"{text(answer[aside.start : aside.end])}</del>"
                f'<sup style="color:#888"> [not graded: {html.escape(aside.reason)}]</sup>',
            )
        )
    for p in result.points:
        colour = _MARK_COLOUR.get(p.verdict)
        for e in p.evidence:
            if colour:
                marks.append(
                    (
                        e.start,
                        e.end,
                        f'<mark style="background:{colour};padding:0 2px;border-radius:3px" '
                        f'title="{attribute(p.label)}">{text(answer[e.start : e.end])}</mark>',
                    )
                )
    marks.sort(key=lambda m: (m[0], -m[1]))
    out: list[str] = []
    cursor = 0
    for start, end, markup in marks:
        if start < cursor:  # overlapping marks: keep the first
            continue
        out.append(text(answer[cursor:start]))
        out.append(markup)
        cursor = end
    out.append(text(answer[cursor:]))
    return f'<div data-testid="highlighted-answer" style="line-height:1.6">{"".join(out)}</div>'
