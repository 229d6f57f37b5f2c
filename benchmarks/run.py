"""Run the benchmarks and write benchmarks/results.md and results.json: ``python -m benchmarks.run``."""

from __future__ import annotations

import argparse

from benchmarks import (
    bench_app,
    bench_cluster,
    bench_grader,
    bench_judges,
    bench_llm,
    bench_queue,
    bench_rubric,
    bench_scale,
    bench_screening,
)
from benchmarks.report import write

BENCHMARKS = {
    "rubric": bench_rubric.run,
    "scale": bench_scale.run,
    "queue": bench_queue.run,
    "cluster": bench_cluster.run,
    "grader": bench_grader.run,
    "judges": bench_judges.run,
    "app": bench_app.run,
    "llm": bench_llm.run,
    "screening": bench_screening.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only these")
    args = parser.parse_args()
    sections = [BENCHMARKS[name]() for name in (args.only or BENCHMARKS)]
    # A partial run writes its own file, so it never overwrites the full results with a few sections.
    path = write(sections, "results" if not args.only else "results-" + "-".join(args.only))
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
