"""``interview-grader rubric "<question text or id>"``: which rubric a question gets."""

from __future__ import annotations

import argparse
import time

from interview_grader.commands.bank_command import _bank
from interview_grader.commands.output import print_json, question_lines
from interview_grader.errors import UserError
from rubric.index import NoMatchingRubric, open_index


def register(commands: argparse._SubParsersAction) -> None:
    rubric = commands.add_parser("rubric", help="find the rubric for a question (id, number or free text)")
    rubric.add_argument("question", help="question text, id (q06) or number (6)")
    rubric.add_argument("--json", action="store_true")
    rubric.set_defaults(handler=_rubric)


def _rubric(args: argparse.Namespace) -> int:
    if not args.question.strip():
        raise UserError("the question is empty")
    index = open_index(_bank())
    started = time.perf_counter()
    try:
        match = index.resolve(args.question)
    except NoMatchingRubric as miss:
        if args.json:
            print_json(
                {
                    "query": args.question,
                    "match": None,
                    "suggestions": [
                        {"id": m.question.id, "question": m.question.text, "score": round(m.score, 4)}
                        for m in miss.suggestions
                    ],
                }
            )
            return 1
        closest = "; ".join(f"{m.question.id} {m.question.text} ({m.score:.2f})" for m in miss.suggestions)
        raise UserError(f"no matching rubric for that question. Closest: {closest}") from miss
    took_ms = (time.perf_counter() - started) * 1000
    q = match.question
    if args.json:
        print_json(
            {
                "query": args.question,
                "match": q.model_dump(mode="json"),
                "score": round(match.score, 4),
                "similarity": round(match.similarity, 4),
            }
        )
        return 0
    print(f"matched {q.id} with score {match.score:.2f} (similarity {match.similarity:.2f}, {took_ms:.0f} ms)")
    print("\n".join(question_lines(q)))
    return 0
