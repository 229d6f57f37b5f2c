"""``interview-grader eval run|fit-offline|saf-import|readme``: measure the graders against human labels."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from config.settings import get_settings
from evals.datasets import DatasetError
from grader.base import GraderError
from interview_grader.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = REPO_ROOT / "evals" / "published"
README = REPO_ROOT / "README.md"
SAF_SOURCE = REPO_ROOT.parent / "shared" / "data" / "saf-networking" / "training"


def register(commands: argparse._SubParsersAction) -> None:
    ev = commands.add_parser("eval", help="measure grading against human labels")
    sub = ev.add_subparsers(dest="eval_command", required=True, metavar="ACTION")

    run = sub.add_parser("run", help="grade a labelled dataset and report agreement")
    run.add_argument("--dataset", required=True, help="golden, holdout, edge, crossdomain, saf, or a .jsonl file")
    run.add_argument("--split", default="test", choices=["test", "train", "all"], help="for sets split by question")
    run.add_argument(
        "--no-paraphrases", action="store_true", help="grade with the bank's paraphrases removed (as an imported bank)"
    )
    run.add_argument("--grader", choices=["offline", "llm"], help="default: offline, or llm with --base-url/--gguf")
    run.add_argument(
        "--judge", choices=["combined", "learned", "matcher"], help="the offline judge (default: the settings')"
    )
    run.add_argument("--model", help="LLM model name")
    run.add_argument("--base-url", help="OpenAI-compatible server URL")
    run.add_argument("--gguf", type=Path, help="local GGUF model file")
    run.add_argument("--repeat", type=int, default=1, help="grade each answer N times to measure stability")
    run.add_argument("--limit", type=int, help="grade only the first N answers (quick looks)")
    run.add_argument("--out", type=Path, help="folder for report.md, report.json and chart.png")
    run.add_argument("--compare", type=Path, help="an earlier report.json to compare with")
    run.add_argument("--publish", action="store_true", help="also copy the report to evals/published/")
    run.set_defaults(handler=_run)

    fit = sub.add_parser("fit-offline", help="refit the offline grader's scorer on the golden set")
    fit.add_argument("--dataset", default="golden")
    fit.set_defaults(handler=_fit)

    imp = sub.add_parser("saf-import", help="import the SAF XML files (responses, and a draft bank if none)")
    imp.add_argument("--source", type=Path, default=SAF_SOURCE)
    imp.add_argument("--force", action="store_true", help="also overwrite the reviewed bank.yaml with a draft")
    imp.set_defaults(handler=_saf_import)

    readme = sub.add_parser("readme", help="rewrite the README's results table from evals/published/")
    readme.set_defaults(handler=_readme)


def _grader(args: argparse.Namespace):
    from grader.service import make_grader

    kind = args.grader or ("llm" if args.base_url or args.gguf else "offline")
    settings = get_settings().updated(
        grader=kind, offline_judge=args.judge, model=args.model, openai_base_url=args.base_url, gguf_path=args.gguf
    )
    try:
        return make_grader(settings)
    except GraderError as err:
        raise UserError(str(err)) from err


def _run(args: argparse.Namespace) -> int:
    from evals.report import compare, summary_table
    from evals.runner import evaluate, write_report

    if args.repeat < 1:
        raise UserError("--repeat must be at least 1")
    grader = _grader(args)
    if args.dataset == "saf":
        from evals.saf import evaluate_saf

        report = evaluate_saf(grader, limit=args.limit)
    else:
        from evals.datasets import load_named

        try:
            dataset, bank = load_named(args.dataset, split=args.split, paraphrases=not args.no_paraphrases)
        except DatasetError as err:
            raise UserError(str(err)) from err
        if args.limit:
            dataset = dataset.__class__(dataset.name, dataset.path, dataset.meta, dataset.records[: args.limit])
        report = evaluate(dataset, bank, grader, repeat=args.repeat)
    out = write_report(report, args.out)
    print(summary_table(report))
    print(f"report: {out}/report.md, report.json, chart.png")
    if args.publish:
        target = PUBLISHED / f"{report['dataset']}-{report['judge']}"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(out, target)
        print(f"published to {target}")
    if args.compare:
        try:
            old = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"cannot read {args.compare}: {err}") from err
        print(compare(old, report))
    return 0


def _fit(args: argparse.Namespace) -> int:
    from evals.datasets import load_dataset
    from evals.fit_offline import fit
    from rubric.bank import load_default_bank

    if "holdout" in args.dataset:
        raise UserError("the holdout set is never used for tuning; fit on golden")
    bank = load_default_bank()
    scorer, stats = fit(load_dataset(args.dataset, bank), bank)
    scorer.save()
    print(
        f"fitted on {stats['examples']} labelled points: in-sample kappa {stats['in_sample_kappa']:.3f}, "
        f"5-fold CV by question kappa {stats['cv_kappa']:.3f}, covered F1 {stats['cv_covered_f1']:.3f}"
    )
    print(f"cut-offs: covered {scorer.covered_cut}, partial {scorer.partial_cut}, lenient {scorer.lenient_cut}")
    print("wrote grader/data/offline_scorer.json; rerun the evals and the gate test")
    return 0


def _saf_import(args: argparse.Namespace) -> int:
    from evals.saf import write_import

    try:
        written = write_import(args.source, force=args.force)
    except FileNotFoundError as err:
        raise UserError(str(err)) from err
    for path in written:
        print(f"wrote {path}")
    return 0


def _readme(args: argparse.Namespace) -> int:
    from evals.published import results_table

    table = results_table(PUBLISHED)
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start not in text or end not in text:
        raise UserError(f"README.md has no {start} ... {end} section")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")
    print(table)
    return 0
