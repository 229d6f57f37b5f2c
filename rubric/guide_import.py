"""Import an interview guide written in markdown (the format of ``interview-guide.md``).

The format, as exported by common editors (with backslash escapes such as ``1\\.`` and ``\\*\\*``)::

    \\# Guide title
    \\## Section 1. Product Thinking
    1\\. \\*\\*How would you design ...?\\*\\*
      - Logic: Start with the \\*\\*user journey\\*\\*, find friction points, then map AI to value-add.
      - Good answers focus on fraud prevention, smart personalization, or reducing user effort.

Every question needs a ``Logic:`` line; further bullet lines become ``notes``. The key points are drafted
from the Logic by :mod:`rubric.point_drafting` and marked ``review: draft`` until a person checks them.
Errors carry the line number and nothing is returned, so callers write nothing on a bad guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from rubric.model import Bank, Question
from rubric.point_drafting import draft_points

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~=&$])")
_H1 = re.compile(r"^#\s+(?P<title>.+)$")
_SECTION = re.compile(r"^#{2,6}\s+(?:section\s+)?(?:(?P<number>\d+)\s*[.:)]?\s+)?(?P<title>.+)$", re.IGNORECASE)
_QUESTION = re.compile(r"^(?P<number>\d+)[.)]\s+(?P<text>.+)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(?P<text>.*)$")
_LOGIC = re.compile(r"^(?:\*\*)?logic\s*:\s*(?:\*\*)?\s*(?P<text>.*)$", re.IGNORECASE)
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
# Markdown's line ends, and so an editor's: not the form feeds, NELs and U+2028s that str.splitlines() also splits at.
_LINE_END = re.compile(r"\r\n|\r|\n")
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")


class GuideError(ValueError):
    """A guide that cannot be imported; ``line`` is 1-based (0 when the problem is the whole file)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass
class _Draft:
    number: int
    text: str
    line: int
    section: int
    section_title: str
    logic: str | None = None
    logic_line: int = 0
    notes: list[str] = field(default_factory=list)


def unescape(text: str) -> str:
    """Undo markdown backslash escapes and non-breaking spaces, and trim."""
    return _ESCAPE.sub(r"\1", text.replace("\u00a0", " ")).strip()


def _strip_bold(text: str) -> str:
    text = text.strip()
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        text = text[2:-2]
    return text.strip()


def decode_guide(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = len(_LINE_END_BYTES.split(data[: err.start]))
        message = f"not valid UTF-8 (byte 0x{data[err.start]:02x}); save the guide as UTF-8"
        raise GuideError(path, line, message) from None
    if "\x00" in text:
        line = len(_LINE_END.split(text[: text.index("\x00")]))
        raise GuideError(path, line, "contains a NUL byte; this is not a text file")
    return text


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.title = ""
        self.section = 0
        self.section_title = ""
        self.sections_seen = 0
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.last_bullet: str | None = None  # "logic" or "note" while a bullet may continue

    def error(self, line: int, message: str) -> GuideError:
        return GuideError(self.path, line, message)

    def feed(self, lineno: int, raw: str) -> None:
        indented = raw[:1] in (" ", "\t", "\u00a0")
        line = unescape(raw)
        if not line or _RULE.match(line):
            self.last_bullet = None
            return
        if m := _H1.match(line):
            self.title = self.title or m["title"].strip()
            self.current = None  # a new top-level heading ("Final Note") ends the questions above it
            return
        if m := _SECTION.match(line):
            self.sections_seen += 1
            self.section = int(m["number"]) if m["number"] else self.sections_seen
            self.section_title = m["title"].strip()
            self.current = None
            return
        if not indented and (m := _QUESTION.match(line)):
            self.start_question(lineno, int(m["number"]), _strip_bold(m["text"]))
            return
        if self.current is None:
            return  # prose outside a question (introductions, final notes) is not part of any rubric
        if m := _BULLET.match(raw.replace("\u00a0", " ")):
            self.add_bullet(lineno, unescape(m["text"]))
        elif indented and self.last_bullet:
            self.continue_bullet(line)

    def start_question(self, lineno: int, number: int, text: str) -> None:
        for earlier in self.drafts:
            if earlier.number == number:
                raise self.error(lineno, f"question number {number} is used twice (first on line {earlier.line})")
        if not text:
            raise self.error(lineno, f"question {number} has no text")
        self.current = _Draft(number, text, lineno, self.section or 1, self.section_title or "General")
        self.drafts.append(self.current)
        self.last_bullet = None

    def add_bullet(self, lineno: int, text: str) -> None:
        assert self.current is not None
        if m := _LOGIC.match(text):
            if self.current.logic is not None:
                raise self.error(
                    lineno,
                    f"question {self.current.number} has a second Logic line "
                    f"(the first is on line {self.current.logic_line})",
                )
            logic = m["text"].strip()
            if not logic:
                raise self.error(lineno, f"question {self.current.number} has an empty Logic line")
            self.current.logic, self.current.logic_line = logic, lineno
            self.last_bullet = "logic"
        elif text:
            self.current.notes.append(text)
            self.last_bullet = "note"

    def continue_bullet(self, text: str) -> None:
        assert self.current is not None
        if self.last_bullet == "logic" and self.current.logic is not None:
            self.current.logic = f"{self.current.logic} {text}"
        elif self.last_bullet == "note" and self.current.notes:
            self.current.notes[-1] = f"{self.current.notes[-1]} {text}"


def parse_guide(text: str, path: str = "<guide>", bank_id: str | None = None) -> Bank:
    """Parse a guide into a bank whose points are drafts; raises :class:`GuideError`."""
    parser = _Parser(path)
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()  # a final line end does not start another line
    for lineno, raw in enumerate(lines, start=1):
        parser.feed(lineno, raw)
    if not parser.drafts:
        raise GuideError(
            path,
            0,
            f"no questions found in {len(lines)} lines "
            "(expected numbered questions like '1. **How would you ...?**' followed by '- Logic: ...')",
        )
    questions = []
    for draft in parser.drafts:
        if draft.logic is None:
            raise parser.error(draft.line, f"question {draft.number} has no 'Logic:' line")
        qid = f"q{draft.number:02d}"
        try:
            questions.append(
                Question(
                    id=qid,
                    number=draft.number,
                    section=draft.section,
                    section_title=draft.section_title,
                    text=draft.text,
                    logic=draft.logic,
                    notes=draft.notes,
                    points=draft_points(qid, draft.logic, draft.notes),
                    review="draft",
                )
            )
        except ValidationError as err:
            raise parser.error(draft.line, f"question {draft.number}: {_first_error(err)}") from err
    title = parser.title or Path(path).stem
    try:
        return Bank(id=bank_id or _slug(title), title=title, source=Path(path).name, questions=questions)
    except ValidationError as err:
        raise GuideError(path, 0, _first_error(err)) from err


def import_guide(path: Path, bank_id: str | None = None) -> Bank:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise GuideError(str(path), 0, f"cannot read the guide: {err.strerror or err}") from err
    return parse_guide(decode_guide(data, str(path)), str(path), bank_id)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    return str(first.get("msg", err)).removeprefix("Value error, ")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:48].strip("-") or "bank"
