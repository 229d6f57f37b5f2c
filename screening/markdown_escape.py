"""Untrusted text as Markdown that shows exactly as typed: every markdown and HTML character escaped. Used by the
pages and by the Markdown exports alike."""

from __future__ import annotations

import re

_INLINE = re.compile(r"([\\`*_\[\]<>$~|#])")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")  # "&amp;", "&#60;"
# What starts a block at a line's start: a bullet or a setext underline ("-", "+", "="), or "1." / "1)" followed
# by a space or the line's end. ("*", "#" and ">" are escaped everywhere.)
_LINE_START = re.compile(r"^([ \t]*)(?:([-+=])|(\d+)([.)])(?=[ \t]|$))", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+(?=[^ \t\n])", re.MULTILINE)
_LINE_END = re.compile(r"\r\n?")


def md(text: str) -> str:
    """Text for st.markdown: markdown and HTML characters escaped, so it shows exactly as typed (a ``<script>``
    stays text, ``$x$`` is not maths, ``&amp;`` is not an entity, ``- x`` at a line start is not a list, a line
    of ``---`` under text is not a heading, and an indented line is not a code block)."""
    text = _LINE_END.sub("\n", text)  # markdown ends lines at CR too; the escapes below work on LF
    # Indentation as no-break spaces: it still shows, but four spaces no longer make a code block.
    text = _INDENT.sub(lambda m: m.group().replace("\t", "    ").replace(" ", "\u00a0"), text)
    escaped = _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))

    def marker(m: re.Match[str]) -> str:
        if m.group(2):  # "- item", "===": escape the bullet or underline
            return f"{m.group(1)}\\{m.group(2)}"
        return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"  # "1. item": escape the dot

    return _LINE_START.sub(marker, escaped)
