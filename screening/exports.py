"""Exports: a candidate report as Markdown and PDF, the whole screen as CSV and JSON.

Candidate text is data: in Markdown it is escaped, in the PDF it is drawn as text, and in CSV a cell that
would start a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is prefixed with a quote so that
spreadsheets show it instead of running it.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

from config.once import once
from screening.markdown_escape import md
from screening.review import CandidateView, candidate, candidates, grade_line, override_line, override_record
from screening.screens import screen
from store.db import Database

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FONT_DIR = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _md(text: str) -> str:
    """Escaped for markdown, on one line: a line break in a name, quote or reason would end the heading or list
    item it is in, and what follows would read as part of the report."""
    return md(" ".join(text.split()))


def _answer_md(text: str) -> str:
    """The answer escaped with its line breaks kept (each line is then quoted)."""
    return md(text)


def candidate_markdown(view: CandidateView, screen_title: str) -> str:
    inv = view.invite
    lines = [
        f"# {_md(screen_title)}: {_md(inv.candidate_name)}",
        "",
        f"- status: {view.status}; score: {score_text(view.score)}"
        f"; time taken: {view.minutes if view.minutes is not None else '–'} min",
        f"- invited {inv.created_at:%Y-%m-%d}; consent {inv.consent_at:%Y-%m-%d %H:%M}"
        if inv.consent_at
        else f"- invited {inv.created_at:%Y-%m-%d}; no consent yet",
        "- grades are recommendations from an automated grader, reviewed by a person",
        "",
    ]
    for n, a in enumerate(view.answers, start=1):
        lines += [f"## {n}. {_md(a.question.text)}", ""]
        if a.answer is None:
            lines += [f"_{a.status}_", ""]
            continue
        lines += ["> " + _answer_md(a.answer).replace("\n", "\n> "), ""]
        if a.grade is None or a.not_graded:
            lines += [f"_{_md(grade_line(a)).capitalize()}_", ""]
            continue
        m = a.grade.meta
        lines.append(f"{_md(grade_line(a)).capitalize()} · {m.grader} grader · {_md(m.model)} · prompt {m.prompt_hash}")
        lines.append("")
        verdicts = a.effective_verdicts()
        for p in a.grade.points:
            verdict = verdicts.get(p.point_id, p.verdict)
            changed = " (overridden)" if verdict != p.verdict else ""
            quote = f" — “{_md(p.evidence[0].text)}”" if p.evidence else ""
            lines.append(f"- **{verdict}**{changed} {_md(p.label)}{quote}")
        if a.overrides:
            lines += ["", "Overrides:"]
            labels = {p.id: p.label for p in a.question.points}
            for o in a.overrides:
                lines.append(f"- {_md(override_line(o, labels))}")
        if len(a.grades) > 1:
            earlier = ", ".join(f"{g.score} ({g.meta.grader}, {g.meta.prompt_hash})" for g in a.grades[:-1])
            lines += ["", f"Earlier grades: {earlier}"]
        lines.append("")
    return "\n".join(lines)


@once
def _font_chars() -> frozenset[int]:
    """The code points the report's font can draw."""
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(_FONT_DIR / "DejaVuSans.ttf")).getBestCmap())


def pdf_text(text: str) -> str:
    """Text the PDF's font can draw: a character it has no glyph for (an emoji, a rare script) is replaced by a
    visible stand-in naming it, never silently dropped."""
    drawable = _font_chars()
    out = []
    for ch in text:
        if ord(ch) in drawable or ch in "\n\t" or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            out.append(ch)
        else:
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


def score_text(score: float | None) -> str:
    """A score as every report and table shows it: a whole number, or "not graded"."""
    return "not graded" if score is None else f"{score:.0f}"


def candidate_pdf(view: CandidateView, screen_title: str) -> bytes:
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 8)
            self.cell(
                0,
                6,
                f"{screen_title[:60]} · {view.invite.candidate_name[:40]} · page {self.page_no()}/{{nb}}",
                align="C",
            )

    pdf = Report(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("DejaVu", "", str(_FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_shaping(True)  # right-to-left scripts in their order, Arabic letters joined
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: int = 10, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, pdf_text(text))
        pdf.ln(gap)

    inv = view.invite
    para(f"{screen_title}: {inv.candidate_name}", 16, "B", 3)
    para(
        f"Status: {view.status}. Score: {score_text(view.score)}. "
        f"Time taken: {view.minutes if view.minutes is not None else '–'} min.",
        10,
    )
    para("Grades are recommendations from an automated grader, reviewed by a person.", 9, "", 3)
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(8, 52, 14, 26), text_align=("LEFT", "LEFT", "RIGHT", "LEFT")) as table:
        table.row(["#", "question", "score", "covered / partial / missed"])
        for n, a in enumerate(view.answers, start=1):
            score = a.effective_score()
            verdicts = list(a.effective_verdicts().values())
            counts = (
                f"{verdicts.count('covered')} / {verdicts.count('partial')} / {verdicts.count('missed')}"
                if verdicts
                else (grade_line(a) if a.answer is not None else a.status)
            )
            table.row([str(n), pdf_text(a.question.text[:90]), score_text(score), pdf_text(counts)])
    pdf.ln(4)
    for n, a in enumerate(view.answers, start=1):
        para(f"{n}. {a.question.text}", 12, "B")
        if a.answer is None:
            para(a.status, 10, "", 3)
            continue
        para(a.answer, 10)
        if a.grade is None or a.not_graded:
            para(grade_line(a).capitalize(), 10, "", 3)
            continue
        m = a.grade.meta
        para(f"{grade_line(a).capitalize()} ({m.grader} grader, {m.model}, prompt {m.prompt_hash})", 10, "B")
        verdicts_now = a.effective_verdicts()
        for p in a.grade.points:
            verdict = verdicts_now.get(p.point_id, p.verdict)
            changed = " (overridden)" if verdict != p.verdict else ""
            quote = f' — "{p.evidence[0].text}"' if p.evidence else ""
            para(f"• {verdict}{changed}: {p.label}{quote}", 9, "", 0.5)
        labels = {p.id: p.label for p in a.question.points}
        for o in a.overrides:
            para(f"Override {override_line(o, labels)}", 9, "", 0.5)
        pdf.ln(3)
    return bytes(pdf.output())


def screen_rows(db: Database, screen_id: int, recruiter_id: int | None = None) -> list[dict[str, Any]]:
    rows = []
    for view in candidates(db, screen_id, recruiter_id):
        for n, a in enumerate(view.answers, start=1):
            verdicts = a.effective_verdicts()
            rows.append(
                {
                    "candidate_id": view.invite.id,
                    "candidate": view.invite.candidate_name,
                    "email": view.invite.candidate_email,
                    "status": view.status,
                    "question_number": n,
                    "question_id": a.question.id,
                    "question": a.question.text,
                    "answer": a.answer or "",
                    "grading": "not graded: " + str(a.grade.abstain_reason) if a.grade and a.not_graded else a.status,
                    "score": a.effective_score(),
                    "grader": a.grade.meta.grader if a.grade else "",
                    "model": a.grade.meta.model if a.grade else "",
                    "prompt_hash": a.grade.meta.prompt_hash if a.grade else "",
                    "overrides": len(a.overrides),
                    "override_details": " | ".join(
                        override_line(o, {p.id: p.label for p in a.question.points}) for o in a.overrides
                    ),
                    **{f"point {p.id}": verdicts.get(p.id, "") for p in a.question.points},
                }
            )
    return rows


def screen_csv(db: Database, screen_id: int, recruiter_id: int | None = None) -> str:
    rows = screen_rows(db, screen_id, recruiter_id)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def screen_json(db: Database, screen_id: int, recruiter_id: int | None = None) -> str:
    info = screen(db, screen_id, recruiter_id)
    payload: dict[str, Any] = {
        "screen": {
            "id": info.id,
            "title": info.title,
            "instructions": info.instructions,
            "grader": info.grader,
            "questions": [q.model_dump(mode="json") for _, q in info.questions],
        },
        "candidates": [],
    }
    for view in candidates(db, screen_id, recruiter_id):
        payload["candidates"].append(
            {
                "id": view.invite.id,
                "name": view.invite.candidate_name,
                "email": view.invite.candidate_email,
                "status": view.status,
                "score": view.score,
                "minutes": view.minutes,
                "answers": [
                    {
                        "question_id": a.question.id,
                        "answer": a.answer,
                        "grading": a.status,
                        "not_graded_reason": a.grade.abstain_reason if a.grade and a.not_graded else None,
                        "effective_score": a.effective_score(),
                        "effective_verdicts": a.effective_verdicts(),
                        "grades": [g.model_dump(mode="json") for g in a.grades],
                        "overrides": [
                            override_record(o, {p.id: p.label for p in a.question.points}) for o in a.overrides
                        ],
                    }
                    for a in view.answers
                ],
            }
        )
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str)


def candidate_report(db: Database, invite_id: int, fmt: str, recruiter_id: int | None = None) -> bytes:
    view = candidate(db, invite_id, recruiter_id)
    title = screen(db, view.invite.screen_id).title
    if fmt == "md":
        return candidate_markdown(view, title).encode()
    if fmt == "pdf":
        return candidate_pdf(view, title)
    raise ValueError("candidate reports are md or pdf")
