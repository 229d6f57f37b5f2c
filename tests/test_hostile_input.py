"""Hostile input, property-based (hypothesis): the guide importer, the YAML bank loader, the grader, the exports
and the app's escaping either do their job on arbitrary text, control characters, markup, formula starts, very
long lines and invalid UTF-8, or refuse it with their own clear error. Never an unexpected exception, never a
half-written file, never candidate text rendered as markup."""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import re
import tempfile
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from grader.answer_checks import AnswerError, check_answer
from grader.base import MAX_ANSWER_CHARS
from grader.cache import GradeCache
from grader.pipeline import Pipeline
from grader.result import Evidence, GradeMeta, GradeResult, PointVerdict, assemble
from grader.service import offline_grader as embedded_grader
from interview_grader.cli import main
from rubric.bank import SHIPPED_BANK
from rubric.guide_import import GuideError, import_guide, parse_guide, unescape
from rubric.model import Bank
from rubric.yaml_bank import BankError, dump_bank, load_bank, parse_bank, save_bank
from screening import accounts, candidate, exports, screens, worker
from screening.markdown_escape import md
from store.db import Database
from tests.postgres_server import empty
from tests.reliability_figures import record
from ui.text import highlighted_answer

_SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


TRIED: Counter[str] = Counter()  # hostile inputs tried, per property


def counted(test: Callable[..., None]) -> Callable[..., None]:
    """Counts the examples hypothesis runs through ``test`` (for the README's Reliability figures)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        TRIED[test.__name__] += 1
        test(*args, **kwargs)

    return run


@pytest.fixture(scope="module", autouse=True)
def _record_tried() -> Iterator[None]:
    yield
    if TRIED:
        record("hostile inputs (hypothesis)", properties=len(TRIED), inputs_tried=sum(TRIED.values()))


def examples(n: int) -> int:
    """``n`` examples in ``make test``; a fifth of them (at least 10) in ``make test-fast``, which sets
    ``TEST_FAST=1``: the fast loop still tries every property, the full run tries them thoroughly."""
    return max(10, n // 5) if os.environ.get("TEST_FAST") == "1" else n


def slow(n: int) -> settings:
    """Settings for a property whose examples take real work (files, a database, the grader)."""
    return settings(_SLOW, max_examples=examples(n))


# -- hostile text -------------------------------------------------------------------------------------------

MARKUP = (
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "</div><div onclick=alert(1)>",
    "<!-- x -->",
    "<?php ?>",
    "&lt;script&gt;",
    "&amp;",
    "&#60;b&#62;",
    "[click](javascript:alert(1))",
    "![t](http://evil.example/t.png)",
    "<http://evil.example>",
    "[x]: http://evil.example",
    "**bold**",
    "__bold__",
    "_em_",
    "`code`",
    "```",
    "~~~",
    "~~gone~~",
    "# heading",
    "## heading",
    "- item",
    "* item",
    "+ item",
    "1. item",
    "2) item",
    "-",
    "1.",
    "> quote",
    "---",
    "===",
    "***",
    "| a | b |\n|---|---|",
    "$x^2$",
    "\\",
    "\\*",
    ":material/home:",
    ":red[alert]",
    "    indented",
    "Kafka",
)
FORMULA = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\t", "\r")
CONTROLS = (
    *(chr(c) for c in (*range(32), 127, *range(0x80, 0xA0))),
    "\r\n",
    "\u00a0",
    "\u200b",
    "\u200e",
    "\u202e",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffd",
    "\U0001f600",
)


def hostile_text(max_pieces: int = 12, *, nul: bool = True) -> st.SearchStrategy[str]:
    """Any Unicode text (no lone surrogates), markup, formula starts and control characters, mixed."""
    pieces = [st.text(st.characters(codec="utf-8"), max_size=6), st.sampled_from(MARKUP), st.sampled_from(FORMULA)]
    pieces.append(st.sampled_from(CONTROLS))
    text = st.lists(st.one_of(*pieces), max_size=max_pieces).map("".join)
    return text if nul else text.map(lambda t: t.replace("\x00", ""))


def repeated(part: st.SearchStrategy[str], sizes: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """One long string: ``part`` repeated to exactly ``size`` characters."""
    return st.builds(lambda p, n: (p * (n // len(p) + 1))[:n], part.filter(bool), sizes)


def editor_lines(text: str) -> list[str]:
    """Lines as an editor (and markdown) counts them: split on CR LF, CR or LF, nothing else."""
    return re.split(r"\r\n|\r|\n", text)


# -- the guide importer -------------------------------------------------------------------------------------


def _stray_line() -> st.SearchStrategy[str]:
    t = hostile_text(6)
    return st.one_of(
        st.builds("## Section {}. {}".format, st.integers(0, 12), t),
        st.builds("\\#\\# {}".format, t),
        st.builds("{}. **{}**".format, st.integers(0, 60), t),
        st.builds("  - Logic: {}".format, t),
        st.builds("  - {}".format, t),
        st.builds("    {}".format, t),
        st.builds("# {}".format, t),
        st.sampled_from(["", "---", "***", "  - Logic:", "1.", "1. **Q?**", "  - Logic: Kafka, Redis and ONNX."]),
        t,
        repeated(hostile_text(3), st.integers(1_000, 60_000)),
    )


@st.composite
def _question_block(draw: st.DrawFn) -> list[str]:
    """A question as the guide format has it (plain or with an editor's escapes), its text hostile."""
    t = hostile_text(6)
    number, text, logic = draw(st.integers(1, 60)), draw(t), draw(t)
    if draw(st.booleans()):
        lines = [f"{number}. **{text}**", f"  - Logic: {logic}"]
    else:
        lines = [f"{number}\\. \\*\\*{text}\\*\\*", f"\u00a0 - **Logic:** {logic}"]
    lines += draw(st.lists(st.builds("  - {}".format, t) | st.builds("    {}".format, t), max_size=2))
    return lines


@st.composite
def guide_texts(draw: st.DrawFn) -> str:
    lines = [f"# {draw(hostile_text(4))}"] if draw(st.booleans()) else []
    for block in draw(st.lists(st.one_of(_question_block(), _stray_line().map(lambda line: [line])), max_size=12)):
        lines += block
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


QUESTION_ERROR = re.compile(r"^question (?:number )?(\d+) (?:has no 'Logic:' line|is used twice|has no text)")


def _check_guide_error(err: GuideError, text: str) -> None:
    lines = editor_lines(text)
    assert 0 <= err.line <= len(lines), (err.line, len(lines))
    assert str(err).startswith(f"guide.md:{err.line}: " if err.line else "guide.md: ")
    assert err.message.strip()
    if m := QUESTION_ERROR.match(err.message):  # the line it names is that question's line, as an editor counts
        assert re.match(rf"0*{m[1]}[.)]\s", unescape(lines[err.line - 1])), (err.message, lines[err.line - 1])


def _check_bank(bank: Bank) -> None:
    assert bank.questions
    for q in bank.questions:
        assert q.text.strip() and q.logic.strip() and q.points
        assert all(p.text.strip() and p.label.strip() for p in q.points)
    assert parse_bank(dump_bank(bank), "again.yaml") == bank  # what the importer writes reads back the same


@slow(150)
@given(guide_texts())
@example("1. **<script>alert(1)</script>?**\n  - Logic: =cmd|' /C calc'!A0, Redis\x1b[31m and Kafka.\n")
@example("1. **Q?**\u2028\u2028\u2028\n2. **R?**\n  - Logic: a.\n")
@example("1. **Q?**\n  - Logic: a, b\r2. **R?**\r  - Good answers say x\r")
@counted
def test_parse_guide_returns_a_bank_or_a_guide_error_naming_the_line(text: str) -> None:
    try:
        bank = parse_guide(text, "guide.md")
    except GuideError as err:
        _check_guide_error(err, text)
    else:
        _check_bank(bank)


@st.composite
def guide_files(draw: st.DrawFn) -> tuple[bytes, int | None]:
    """A guide as bytes, and the line of the invalid UTF-8 byte put into it (None when it is valid UTF-8)."""
    text = draw(guide_texts())
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))
    if not draw(st.booleans()):
        return data, None
    cut = draw(st.integers(0, len(text)))
    prefix = text[:cut].encode()
    bad = draw(st.sampled_from([b"\xff", b"\xfe", b"\xc0\xaf", b"\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf5\x80"]))
    return prefix + bad + text[cut:].encode(), len(editor_lines(text[:cut]))


@slow(60)
@given(guide_files())
@example((b"## Section 1. A\r\r1. **Caf\xe9?**\r  - Logic: x.\r", 3))
@example((b"1. **Q?**\n  - Logic: A and B.\n", None))
@counted
def test_bank_import_writes_a_whole_bank_or_nothing(guide: tuple[bytes, int | None]) -> None:
    data, bad_line = guide
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "guide.md"), Path(folder, "bank.yaml")
        source.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["bank", "import", str(source), "-o", str(target)])
        if code == 0:
            assert bad_line is None, "invalid UTF-8 was imported"
            assert load_bank(target) == import_guide(source)
            assert sorted(p.name for p in Path(folder).iterdir()) == ["bank.yaml", "guide.md"]
        else:
            assert code == 1 and "(nothing was written)" in err.getvalue()
            assert [p.name for p in Path(folder).iterdir()] == ["guide.md"]  # no output, no temporary file
            if bad_line is not None:
                assert f"guide.md:{bad_line}: not valid UTF-8" in err.getvalue()


# -- the YAML bank loader -----------------------------------------------------------------------------------


def _hostile_field() -> st.SearchStrategy[str]:
    return st.builds("x{}".format, hostile_text(6, nul=False))  # never blank: a field a bank can hold


@st.composite
def hostile_banks(draw: st.DrawFn) -> Bank:
    questions = []
    for n in range(1, draw(st.integers(1, 3)) + 1):
        qid = f"q{n:02d}"
        points = [
            {
                "id": f"{qid}.{i}",
                "label": draw(_hostile_field()),
                "text": draw(_hostile_field()),
                "examples": draw(st.lists(_hostile_field(), max_size=2)),
            }
            for i in range(1, draw(st.integers(1, 3)) + 1)
        ]
        questions.append(
            {
                "id": qid,
                "number": n,
                "section": 1,
                "section_title": draw(_hostile_field()),
                "text": draw(st.one_of(_hostile_field(), repeated(_hostile_field(), st.integers(1_000, 30_000)))),
                "logic": draw(_hostile_field()),
                "notes": draw(st.lists(_hostile_field(), max_size=2)),
                "points": points,
            }
        )
    return Bank(id="hostile", title=draw(_hostile_field()), questions=questions)


@st.composite
def bank_texts(draw: st.DrawFn) -> str:
    """YAML text: arbitrary, or a real bank's YAML with hostile text spliced in or cut short."""
    if draw(st.booleans()):
        return draw(st.one_of(hostile_text(20), repeated(hostile_text(3), st.integers(1_000, 50_000))))
    bank = draw(hostile_banks())
    raw = bank.model_dump(mode="json")
    text = yaml.safe_dump(raw, allow_unicode=draw(st.booleans()), width=draw(st.sampled_from([40, 110, 10_000])))
    cut = draw(st.integers(0, len(text)))
    how = draw(st.sampled_from(["keep", "splice", "truncate"]))
    if how == "splice":
        return text[:cut] + draw(hostile_text(4)) + text[cut:]
    return text[:cut] if how == "truncate" else text


def _check_bank_error(err: BankError, text: str) -> None:
    message = str(err)
    assert message.startswith("bank.yaml")
    m = re.match(r"bank\.yaml:(\d+): ", message)
    if "not valid YAML" in message:  # "errors name the file, the line and the question"
        assert m, message
    if m:
        yaml_lines = re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text)  # YAML's own line breaks
        assert 1 <= int(m[1]) <= len(yaml_lines), message
    assert message.split(": ", 1)[1].strip()


@slow(150)
@given(bank_texts())
@example("id: x\ntitle: t\nquestions:\n- number: 1\n  text: <script>\n  logic: l\n  points: [{label: a, text: b}, 5]\n")
@example("a: &a [x, x]\nb: &b [*a, *a, *a]\nid: x\ntitle: t\nquestions: *b\n")
@example("\ufeffid: [\x85\u2028")
@counted
def test_parse_bank_returns_a_bank_or_a_bank_error_naming_the_line(text: str) -> None:
    try:
        bank = parse_bank(text, "bank.yaml")
    except BankError as err:
        _check_bank_error(err, text)
    else:
        assert parse_bank(dump_bank(bank), "again.yaml") == bank


@slow(40)
@given(hostile_banks(), st.sampled_from(["\n", "\r\n", "\r"]), st.data())
@counted
def test_bank_files_round_trip_or_name_the_bad_byte(bank: Bank, eol: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "bank.yaml")
        save_bank(bank, path)
        assert [p.name for p in Path(folder).iterdir()] == ["bank.yaml"]  # written whole, no temporary left
        assert load_bank(path) == bank
        # the same bank with other line ends and an invalid byte: the error names the byte's line
        text = path.read_text(encoding="utf-8").replace("\n", eol)
        cut = data.draw(st.integers(0, len(text)))
        path.write_bytes(text[:cut].encode() + b"\xff" + text[cut:].encode())
        with pytest.raises(BankError, match=re.escape(f"bank.yaml:{len(editor_lines(text[:cut]))}: not valid UTF-8")):
            load_bank(path)


# -- the grader ---------------------------------------------------------------------------------------------

_SHIPPED = load_bank(SHIPPED_BANK)
GOOD_Q06 = (
    "I would stream the card transactions through Kafka into the scoring service, serve the ONNX model from "
    "Triton for low latency, and put an API gateway in front for auth."
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, str]:
    """A question id and an answer mixing hostile text with the question's own wording (so points get credit)."""
    question = draw(st.sampled_from(_SHIPPED.questions))
    phrases = [p.text for p in question.points] + [e for p in question.points for e in p.examples]
    piece = st.one_of(
        hostile_text(4),
        st.sampled_from(phrases),
        st.sampled_from([". ", "\n", " "]),
        st.sampled_from(["\ud800", "\udfff"]),  # lone surrogates: what json.loads makes of a "\ud800" escape
    )
    kind = draw(st.sampled_from(["mixed", "mixed", "mixed", "long", "huge"]))
    if kind == "mixed":
        answer = draw(st.lists(piece, max_size=14).map("".join))
    else:
        near_limit = st.sampled_from([MAX_ANSWER_CHARS - 1, MAX_ANSWER_CHARS, MAX_ANSWER_CHARS + 1])
        sizes = near_limit if kind == "long" else st.just(1_000_000)
        answer = draw(repeated(st.lists(piece, min_size=1, max_size=6).map("".join), sizes))
    return question.id, answer


def _refusable(answer: str) -> bool:
    """What the grader documents it refuses: too long, a NUL, or text that is not Unicode (a lone surrogate)."""
    return len(answer) > MAX_ANSWER_CHARS or "\x00" in answer or any(0xD800 <= ord(c) <= 0xDFFF for c in answer)


@pytest.fixture(scope="module")
def grade_cache(tmp_path_factory: pytest.TempPathFactory) -> GradeCache:
    return GradeCache(tmp_path_factory.mktemp("cache") / "grades.sqlite")


@pytest.fixture(scope="module")
def offline_grader() -> Pipeline:
    return embedded_grader()


@slow(50)
@given(answers())
@example(("q06", "<script>alert(1)</script>\x1b[31m " + GOOD_Q06 + " <img src=x onerror=alert(1)>"))
@example(("q06", GOOD_Q06.replace(" ", "\u00a0\u200b ").replace("Kafka", "Kafka\r\n")))
@example(("q06", GOOD_Q06 + "\x00"))
@example(("q06", GOOD_Q06 + "\ud800"))  # a JSON line may carry "\ud800"; json.loads gives a lone surrogate
@example(("q06", ("<b>" + GOOD_Q06 + "</b>") * (1_000_000 // len(GOOD_Q06))))
@example(("q06", ""))
@counted
def test_grading_either_refuses_clearly_or_keeps_the_contract(
    offline_grader: Pipeline, grade_cache: GradeCache, case: tuple[str, str]
) -> None:
    question_id, answer = case
    question = _SHIPPED.get(question_id)
    try:
        result = offline_grader.with_cache(grade_cache).grade(question, answer)
    except AnswerError as err:
        assert _refusable(answer), f"refused a gradable answer: {err}"
        assert str(err).strip()
        with pytest.raises(AnswerError):
            check_answer(answer)
        return
    assert not _refusable(answer), "graded an answer the grader says it refuses"
    assert check_answer(answer) == answer
    assert result.question_id == question.id and result.meta.grader == "offline"
    assert result.meta.answer_sha256 == hashlib.sha256(answer.encode()).hexdigest()
    credit = {"covered": 1.0, "partial": 0.5, "missed": 0.0, "contradicted": 0.0}
    needed = min(question.required or len(result.points), len(result.points))
    coverage = min(1.0, sum(credit[p.verdict] for p in result.points) / needed)
    assert result.score == round(100 * coverage) and abs(result.coverage - coverage) < 1e-9
    assert [p.point_id for p in result.points] == [p.id for p in question.points]
    if result.abstained:
        assert result.abstain_reason and all(p.verdict == "missed" for p in result.points)
    for p in result.points:
        if p.verdict != "missed":
            assert p.evidence, f"{p.point_id} is {p.verdict} without evidence"
        for e in p.evidence:
            assert e.text.strip() and e.text in answer and answer[e.start : e.end] == e.text
    again = offline_grader.with_cache(grade_cache).grade(question, answer)  # the cache gives the same grade back
    assert again.meta.cached and again.points == result.points and again.score == result.score


@pytest.mark.parametrize("answer", [None, 42, b"Kafka", ["Kafka"], {"answer": "Kafka"}])
def test_only_text_is_graded(answer: object, offline_grader: Pipeline) -> None:
    with pytest.raises(AnswerError, match="must be text"):
        check_answer(answer)
    with pytest.raises(AnswerError, match="must be text"):
        offline_grader.grade(_SHIPPED.get("q06"), answer)  # type: ignore[arg-type]


# -- rendering in the app -----------------------------------------------------------------------------------

# CommonMark with raw HTML switched on (the most permissive reading) plus the GFM tables and strikethrough.
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TEXT_ONLY = {"paragraph_open", "paragraph_close", "inline"}
TEXT_CHILDREN = {"text", "softbreak", "hardbreak"}


def shown(text: str) -> str:
    """Text compared as a reader sees it: whitespace aside (markdown folds it), NUL shown as U+FFFD."""
    return "".join(text.replace("\x00", "\ufffd").split())


def inline_text(tokens: list) -> str:
    parts = []
    for token in tokens:
        for child in token.children or []:
            parts.append(child.content if child.type == "text" else "\n")
    return "".join(parts)


def unescaped_tags(markdown: str) -> list[str]:
    """``<`` that would start a tag: not preceded by an odd number of backslashes."""
    return re.findall(r"(?<!\\)(?:\\\\)*(<[A-Za-z/!?][^\s>]*)", markdown)


@settings(max_examples=examples(400), deadline=None)
@given(hostile_text(20))
@example("a\n---")
@example("a\n=")
@example("-")
@example("1.")
@example("a\r- b\r\r> c")
@example("AT&amp;T &lt;script&gt;")
@example("    <script>indented</script>")
@example("x\n\n\t1) y")
@counted
def test_escaped_text_renders_as_exactly_that_text(text: str) -> None:
    escaped = md(text)
    tokens = MD.parse(escaped)
    assert {t.type for t in tokens} <= TEXT_ONLY, [t.type for t in tokens]
    assert {c.type for t in tokens for c in t.children or []} <= TEXT_CHILDREN
    assert shown(inline_text(tokens)) == shown(text)
    assert not unescaped_tags(escaped)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[str]]] = []
        self.titles: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, sorted(name for name, _ in attrs)))
        self.titles += [value for name, value in attrs if name == "title"]
        if tag == "br":
            self.text.append("\n")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _meta(answer: str) -> GradeMeta:
    digest = hashlib.sha256(answer.encode()).hexdigest()
    return GradeMeta(
        grader="offline",
        model="m",
        prompt_name="p",
        prompt_hash="h",
        grader_version="1",
        rubric_hash="r",
        answer_sha256=digest,
    )


@st.composite
def answers_with_evidence(draw: st.DrawFn) -> tuple[str, GradeResult]:
    answer = draw(hostile_text(16, nul=False))
    points = []
    for n in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(answer)))
        end = draw(st.integers(start, len(answer)))
        span = answer[start:end]
        label = draw(hostile_text(3, nul=False).filter(str.strip))
        if span.strip():
            verdict = draw(st.sampled_from(["covered", "partial"]))
            evidence = [Evidence(start=start, end=end, text=span)]
        else:
            verdict, evidence = "missed", []
        points.append(PointVerdict(point_id=f"q.{n}", label=label, verdict=verdict, evidence=evidence))
    result = assemble(question_id="q", question_text="q?", points=points, meta=_meta(answer), feedback="")
    return answer, result


@settings(max_examples=examples(300), deadline=None)
@given(answers_with_evidence())
@example(
    (
        "a\r\r![t](http://evil.example/t.png) **b**",
        assemble(
            question_id="q",
            question_text="q?",
            meta=_meta(""),
            feedback="",
            points=[
                PointVerdict(
                    point_id="q.1", label="<b>x</b>", verdict="covered", evidence=[Evidence(start=0, end=1, text="a")]
                )
            ],
        ),
    )
)
@counted
def test_highlighted_answer_is_the_answer_with_only_our_marks(case: tuple[str, GradeResult]) -> None:
    answer, result = case
    html = highlighted_answer(answer, result)
    tokens = MD.parse(html)  # st.markdown(..., unsafe_allow_html=True) reads it as markdown first
    assert [t.type for t in tokens] == ["html_block"], [t.type for t in tokens]
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert {tag for tag, _ in parser.tags} <= {"div", "mark", "br"}
    assert all(set(attrs) <= {"style", "title", "data-testid"} for _, attrs in parser.tags)
    assert shown("".join(parser.text)) == shown(answer)  # the answer's text, all of it, in order
    assert html.count("<br>") == len(editor_lines(answer)) - 1  # and its line breaks
    if any(p.evidence for p in result.points):
        assert any(tag == "mark" for tag, _ in parser.tags)
    labels = {re.sub(r"\r\n|\r", "\n", p.label) for p in result.points if p.evidence}
    assert set(parser.titles) <= labels  # a mark's tooltip is its point's label, as text


# -- exports ------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NAME_PIECES = st.one_of(
    st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]), max_size=5),
    st.sampled_from(MARKUP),
    st.sampled_from(FORMULA),
)


@st.composite
def people(draw: st.DrawFn) -> tuple[str, str]:
    """A candidate's name and e-mail as a recruiter might paste them; sometimes with control characters."""
    name = draw(st.sampled_from(("", *FORMULA))) + draw(st.lists(_NAME_PIECES, max_size=6).map("".join))
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(name)))
        name = name[:at] + draw(st.sampled_from(CONTROLS)) + name[at:]
    email = draw(st.sampled_from(("", *FORMULA))) + draw(st.lists(_NAME_PIECES, max_size=3).map("".join))
    return name, email + "@example.com"


def _screen_answer() -> st.SearchStrategy[str]:
    body = st.lists(st.one_of(hostile_text(4, nul=False), st.just(GOOD_Q06)), max_size=5).map("".join)
    return st.builds(str.__add__, st.sampled_from(("", *FORMULA, "\r\n", "  ")), body)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def export_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('exports') / 'screening.db'}")
        yield database
        database.dispose()
        return
    database = Database(request.getfixturevalue("pg_url"))
    empty(database)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def export_recruiter(export_db: Database) -> int:
    return accounts.add_user(export_db, f"{uuid.uuid4().hex[:8]}@example.com", "Rita", "correct horse battery").id


def _check_markdown(doc: str, title: str, name: str, answers_: list[str]) -> None:
    assert not unescaped_tags(doc), unescaped_tags(doc)
    assert "<script" not in MD.render(doc).lower()
    tokens = MD.parse(doc)
    everything = [t for t in tokens] + [c for t in tokens for c in t.children or []]
    assert not {t.type for t in everything} & {"html_block", "html_inline", "link_open", "image", "code_block"}
    h1 = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1")
    assert shown(inline_text([tokens[h1 + 1]])) == shown(f"{title}: {name}")
    quotes: list[list] = []  # the answers, each in its own block quote and nowhere else
    depth = 0
    for i, t in enumerate(tokens):
        if t.type == "blockquote_open":
            depth += 1
            if depth == 1:
                quotes.append([])
        elif t.type == "blockquote_close":
            depth -= 1
        elif depth:
            assert t.type in TEXT_ONLY | {"blockquote_open", "blockquote_close"}, t.type
            quotes[-1].append(t)
        elif t.type == "inline":  # outside the quotes only the report's own lines, each one line
            assert "\n" not in t.content, t.content
            if tokens[i - 1].type == "paragraph_open" and tokens[i - 1].level == 0:
                assert re.match(r"Score \d+/100 · |_|Overrides:$|Earlier grades: ", t.content), t.content
    assert [shown(inline_text(q)) for q in quotes] == [shown(a) for a in answers_]


@slow(20)
@given(people(), st.lists(_screen_answer(), min_size=2, max_size=2))
@example(('=HYPERLINK("http://evil.example")<script>', "@x@example.com"), ["=cmd|' /C calc'!A0\r\r# Score 100", "-"])
@example(("Ann\n# Score 100/100", "ann@example.com"), ["a", "b"])
@example(("Ann\x00", "ann@example.com"), ["a", "b"])
@counted
def test_exports_keep_candidate_text_inert(
    export_db: Database,
    export_recruiter: int,
    offline_grader: Pipeline,
    person: tuple[str, str],
    answers_: list[str],
) -> None:
    db, (name, email) = export_db, person
    title = "Screen <b>1</b> & *co*"
    screen_id = screens.create_screen(db, export_recruiter, title, "", [_SHIPPED.get("q06"), _SHIPPED.get("q11")])
    try:
        inv, _ = screens.invite(db, screen_id, name, email)
    except ValueError as err:  # the documented refusal: a blank name, or names and e-mails not one line of text
        bad = not name.strip() or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name + email)
        assert bad and str(err).strip(), (name, email, err)
        return
    stored = name.strip()[:200]
    assert inv.candidate_name == stored
    candidate.consent(db, inv.id)
    for answer in answers_:
        q = candidate.current_question(db, inv.id)
        assert q is not None
        candidate.submit(db, inv.id, q.screen_question_id, answer)
    worker.run_pending(db, lambda kind: offline_grader)

    _check_markdown(exports.candidate_report(db, inv.id, "md").decode(), title, stored, answers_)
    pdf = exports.candidate_report(db, inv.id, "pdf")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-16:]

    table = list(csv.reader(io.StringIO(exports.screen_csv(db, screen_id), newline="")))
    header, rows = table[0], table[1:]
    for row in table:
        assert len(row) == len(header)
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    assert len(rows) == 2
    for row, answer in zip(rows, answers_, strict=True):
        record = dict(zip(header, row, strict=True))
        for column, original in (("candidate", stored), ("email", inv.candidate_email), ("answer", answer)):
            cell = record[column]
            assert cell == original or (cell == "'" + original and original.startswith(FORMULA_START)), column

    payload = json.loads(exports.screen_json(db, screen_id))
    (person_,) = payload["candidates"]
    assert (person_["name"], person_["email"]) == (stored, inv.candidate_email)
    assert [a["answer"] for a in person_["answers"]] == answers_
    for a in person_["answers"]:
        for g in a["grades"]:
            for p in g["points"]:
                assert all(a["answer"][e["start"] : e["end"]] == e["text"] for e in p["evidence"])


# -- the app ------------------------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.usefixtures("scripted")  # the verdicts are the scripted judge's: this checks the page
def test_the_app_shows_a_script_answer_as_text_and_runs_none_of_it() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["learner"] = f"hostile-{uuid.uuid4().hex[:8]}"
    at.run()
    at.sidebar.text_input(key="own_question").set_value("q06").run()
    next(b for b in at.sidebar.button if b.label == "Find its rubric").click().run()
    answer = (
        "<script>alert(1)</script>\n" + GOOD_Q06 + "\n<img src=x onerror=alert(1)> [x](javascript:alert(1))\r\r"
        "![t](http://evil.example/t.png) **loud** &lt;b&gt;\n    indented <b>code</b>"
    )
    at.chat_input[0].set_value(answer).run()
    assert not at.exception, at.exception

    # The answer is shown once, in the candidate's bubble, as escaped HTML with the evidence marked.
    user = next(m for m in at.chat_message if m.name == "user")
    assert [m.allow_html for m in user.markdown] == [True]
    highlighted = [m.value for m in at.markdown if m.allow_html]
    assert highlighted == [user.markdown[0].value]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in highlighted[0]
    assert [t.type for t in MD.parse(highlighted[0])] == ["html_block"]  # none of it read as markdown
    parser = _Tags()
    parser.feed(highlighted[0])
    assert {tag for tag, _ in parser.tags} <= {"div", "mark", "br"}
    assert "Kafka" in "".join(parser.text) and any(tag == "mark" for tag, _ in parser.tags)  # it was graded
    # shown exactly as typed: the text between the tags is the answer (line ends as <br>, CR LF as " LF")
    typed = answer.replace("\r\n", " \n").replace("\r", "\n")
    assert "".join(parser.text) == typed
    for element in [*at.markdown, *at.caption, *at.info, *at.warning, *at.error]:
        value = str(element.value)
        assert not unescaped_tags(value) or getattr(element, "allow_html", False), value
        parsed = MD.parse(value)
        kinds = {t.type for t in parsed} | {c.type for t in parsed for c in t.children or []}
        assert not kinds & {"link_open", "image"} or getattr(element, "allow_html", False), value
