"""``interview-grader grade``: one answer, or a JSON Lines batch, with the offline or the LLM grader."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from config.settings import get_settings
from grader.answer_checks import AnswerError, check_answer
from grader.base import GraderError
from grader.pipeline import Pipeline
from grader.result import GradeResult
from grader.service import default_cache, make_grader
from interview_grader.commands.bank_command import _bank
from interview_grader.errors import UserError
from rubric.index import NoMatchingRubric, RubricIndex, open_index
from rubric.model import Question

MARKS = {"covered": "[x]", "partial": "[~]", "missed": "[ ]", "contradicted": "[!]"}


def register(commands: argparse._SubParsersAction) -> None:
    g = commands.add_parser("grade", help="grade an answer (or a JSON Lines batch) against its question's rubric")
    source = g.add_mutually_exclusive_group(required=True)
    source.add_argument("--answer-file", help="the answer as a UTF-8 text file ('-' reads stdin)")
    source.add_argument("--answers-jsonl", type=Path, help='batch: lines {"id": ..., "question": ..., "answer": ...}')
    g.add_argument("--question", help="question id, number or text (single answers)")
    g.add_argument("--grader", choices=["offline", "llm"], help="default: offline, or $INTERVIEW_GRADER_GRADER")
    g.add_argument("--model", help="LLM model name (default: $INTERVIEW_GRADER_MODEL or gpt-4o-mini)")
    g.add_argument("--base-url", help="OpenAI-compatible server URL (default: $OPENAI_BASE_URL)")
    g.add_argument("--gguf", type=Path, help="a local GGUF model file, served on loopback with llama.cpp")
    g.add_argument("--json", action="store_true", help="print the result as JSON")
    g.add_argument("--show-prompt", action="store_true", help="print the exact prompt the LLM grader sends")
    g.add_argument("--no-cache", action="store_true", help="grade again even if this answer was graded before")
    g.add_argument("-o", "--output", type=Path, help="batch: write results here instead of stdout")
    g.set_defaults(handler=_grade)


def _read_answer(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except FileNotFoundError as err:
        raise UserError(f"no answer file at {source}") from err
    except OSError as err:
        raise UserError(f"cannot read {source}: {err.strerror or err}") from err
    try:
        answer = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(f"{source}:{line}: the answer is not valid UTF-8; save it as UTF-8") from err
    try:
        return check_answer(answer)
    except AnswerError as err:
        raise UserError(f"{source}: {err}") from err


def _resolve(index: RubricIndex, ref: str) -> Question:
    try:
        return index.resolve(ref).question
    except NoMatchingRubric as miss:
        closest = "; ".join(f"{m.question.id} ({m.score:.2f})" for m in miss.suggestions)
        raise UserError(f"no matching rubric for question {ref!r} (closest: {closest})") from miss


def _grade(args: argparse.Namespace) -> int:
    settings = get_settings().updated(
        grader=args.grader, model=args.model, openai_base_url=args.base_url, gguf_path=args.gguf
    )
    if args.base_url or args.gguf:
        settings = settings.model_copy(update={"grader": args.grader or "llm"})
    index = open_index(_bank())
    try:
        grader = make_grader(settings, grade_cache=None if args.no_cache else default_cache())
    except GraderError as err:
        raise UserError(str(err)) from err
    if args.answers_jsonl:
        return _batch(args, index, grader)
    if not args.question:
        raise UserError("--question is required with --answer-file")
    question = _resolve(index, args.question)
    answer = _read_answer(args.answer_file)
    if args.show_prompt:
        from grader.llm import LLMJudge

        if not isinstance(grader.judge, LLMJudge):
            raise UserError("--show-prompt needs the LLM grader (--grader llm); the offline grader has no prompt")
        print(grader.judge.show_prompt(grader.request(question, answer)[0]))
        return 0
    try:
        result = grader.grade(question, answer)
    except GraderError as err:
        raise UserError(f"{err} (your answer was not changed; run the command again to retry)") from err
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(render(result))
    return 0


def render(result: GradeResult) -> str:
    m = result.meta
    who = "offline grader" if m.grader == "offline" else f"LLM grader ({m.model})"
    lines = [f"{result.question_id}: {result.question_text}"]
    if result.abstained:
        lines.append(f"Not graded: {result.abstain_reason}")
    else:
        c = result.counts()
        lines.append(
            f"Score {result.score}/100 (coverage {result.coverage:.2f}: {c['covered']} covered, "
            f"{c['partial']} partial, {c['missed']} missed) by the {who}"
        )
    for p in result.points:
        quote = f' "{p.evidence[0].text}"' if p.evidence else ""
        lines.append(f"  {MARKS[p.verdict]} {p.verdict:<7} {p.label}: {p.reason}{quote}")
    for aside in result.set_aside:
        lines.append(f"  set aside ({aside.reason}): {aside.text!r}")
    lines.append(f"Feedback: {result.feedback}")
    extra = f", {m.rejected_claims} claims rejected by verification"
    cost = "" if m.cost_usd is None else f", ${m.cost_usd:.5f}"
    lines.append(
        f"({m.grader} · {m.model} · prompt {m.prompt_name}@{m.prompt_hash} · {m.latency_ms:.0f} ms"
        f"{' · cached' if m.cached else ''} · tokens {m.tokens_in}/{m.tokens_out}{cost}"
        f"{extra}, {m.ignored_sentences} parts set aside)"
    )
    return "\n".join(lines)


def _batch(args: argparse.Namespace, index: RubricIndex, grader: Pipeline) -> int:
    try:
        raw = args.answers_jsonl.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read {args.answers_jsonl}: {err.strerror or err}") from err
    out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    failed = done = 0
    try:
        for lineno, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            record_id: object = None
            try:
                try:
                    record = json.loads(line.decode("utf-8"))
                except UnicodeDecodeError as err:
                    raise UserError("not valid UTF-8") from err
                except json.JSONDecodeError as err:
                    raise UserError(f"not valid JSON ({err.msg})") from err
                if not isinstance(record, dict):
                    raise UserError('each line must be an object {"id", "question", "answer"}')
                record_id = record.get("id", lineno)
                if not isinstance(record.get("question"), str) or not isinstance(record.get("answer"), str):
                    raise UserError('each line needs a "question" (id or text) and an "answer" string')
                answer = check_answer(record["answer"])
                question = _resolve(index, record["question"])
                result = grader.grade(question, answer)
                out.write(json.dumps({"id": record_id, **result.model_dump(mode="json")}, ensure_ascii=False) + "\n")
                done += 1
            except (UserError, AnswerError, GraderError) as err:
                failed += 1
                message = str(err)
                print(f"{args.answers_jsonl}:{lineno}: {message}", file=sys.stderr)
                out.write(json.dumps({"id": record_id, "line": lineno, "error": message}, ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if args.output:
            out.close()
    print(f"graded {done} answers, {failed} failed", file=sys.stderr)
    return 1 if failed else 0
