"""The rubric index at 50, 1,000 and 10,000 questions, local and on a Chroma server (``chroma run`` on
loopback): build, reopen by a second replica, fetch by free text (new wording every time, so the query is
embedded each time), and LangChain's similarity search, which asks Chroma itself."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.report import Figure, Section, timed_ms

SIZES = (50, 1_000, 10_000)
FETCH_TARGET_MS = 10.0  # issue 15: p50 under 10 ms with a 10,000-question bank


def _queries() -> Iterator[str]:
    """Questions as people word them (the calibration set's paraphrases), numbered so none repeats."""
    import yaml

    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "rubric/data/match-calibration.yaml").read_text())
    texts = [t for wordings in data["paraphrases"].values() for t in wordings] + list(data["unrelated"])
    n = 0
    while True:
        for text in texts:
            n += 1
            yield f"{text} (take {n})"


def run() -> Section:
    from config.offline import enforce_offline

    enforce_offline()
    from benchmarks.synthetic_bank import synthetic_bank
    from cluster.chroma import chroma_server
    from embeddings.minilm import get_encoder
    from rubric.bank import load_default_bank
    from rubric.index import RubricIndex

    seed = load_default_bank()
    get_encoder()
    section = Section("Rubric index at scale (synthetic banks from the seed questions)")
    queries = _queries()
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        with chroma_server(work / "chroma") as url:
            for n in SIZES:
                bank = synthetic_bank(seed, n)
                for mode in ("local", "server"):

                    def open_index(bank=bank, mode=mode, n=n) -> RubricIndex:
                        if mode == "server":
                            return RubricIndex(bank, chroma_url=url)
                        return RubricIndex(bank, work / f"local-{n}")

                    started = time.perf_counter()
                    index = open_index()
                    build_s = time.perf_counter() - started
                    label = f"{n:,} questions, {mode} Chroma"
                    section.figures.append(Figure(f"{label}: build", build_s, "s", "", None))
                    reopen_ms, reopen_p95, _ = timed_ms(open_index, runs=3, warmup=0)
                    section.figures.append(
                        Figure(f"{label}: open by another replica (no build)", reopen_ms, "ms", "", None, reopen_p95, 3)
                    )
                    fetch_ms, fetch_p95, samples = timed_ms(
                        lambda index=index: index.search(next(queries)), runs=200, warmup=10
                    )
                    target = f"< {FETCH_TARGET_MS:.0f} ms" if n == 10_000 else ""
                    section.figures.append(
                        Figure(
                            f"{label}: fetch by free text (new wording each time)",
                            fetch_ms,
                            "ms",
                            target,
                            fetch_ms < FETCH_TARGET_MS if n == 10_000 else None,
                            fetch_p95,
                            len(samples),
                            digits=2,
                        )
                    )
                    ask_ms, ask_p95, asked = timed_ms(
                        lambda index=index: index.vectorstore.similarity_search(next(queries), k=3),
                        runs=100,
                        warmup=5,
                    )
                    section.figures.append(
                        Figure(
                            f"{label}: LangChain similarity search (Chroma answers)",
                            ask_ms,
                            "ms",
                            "",
                            None,
                            ask_p95,
                            len(asked),
                            digits=2,
                        )
                    )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return section
