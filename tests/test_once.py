"""Lazily built shared values (models, graders, key files) are built once even when many threads ask first at
the same moment, as a worker's threads do; the tiktoken cache can be built by several threads at once."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from config.once import once
from grader.tokens import EXPECTED_SHA256, install_tiktoken_cache


def test_concurrent_first_calls_build_the_value_once() -> None:
    built: list[int] = []

    @once
    def slow_model(name: str) -> object:
        built.append(1)
        time.sleep(0.2)  # long enough for every thread to arrive while the first is building
        return object()

    start = threading.Barrier(16)
    got: list[object] = []

    def ask() -> None:
        start.wait()
        got.append(slow_model("minilm"))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len({id(v) for v in got}) == 1
    assert slow_model("other") is not got[0] and len(built) == 2  # one value per argument
    slow_model.cache_clear()
    slow_model("minilm")
    assert len(built) == 3


def test_the_heavy_shared_values_are_built_once() -> None:
    from embeddings import minilm
    from grader import service
    from screening import graders, secrets_util

    for shared in (minilm.get_encoder, service._offline_grader, graders.grader_for, secrets_util._pseudonym_key):
        assert hasattr(shared, "cache_clear") and type(shared).__name__ == "Once", shared


def test_threads_building_the_tiktoken_cache_at_once_all_succeed(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def build() -> None:
        try:
            start.wait()
            install_tiktoken_cache(tmp_path)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert sorted(files.values()) == sorted(EXPECTED_SHA256.values())  # two whole files, no leftovers
