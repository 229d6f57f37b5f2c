"""tiktoken works offline from packaged BPE files that pass tiktoken's own hash check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import tiktoken

from grader.tokens import EXPECTED_SHA256, count_tokens, encoding_name_for, install_tiktoken_cache


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_both_encodings_load_offline_and_round_trip(name: str) -> None:
    install_tiktoken_cache()
    enc = tiktoken.get_encoding(name)
    text = "Grading answers offline: naïve café, 東京, emoji 🚀 and code `x = 1`."
    assert enc.decode(enc.encode(text)) == text


def test_known_token_counts() -> None:
    # Reference counts from the published encodings.
    assert tiktoken.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert tiktoken.get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert count_tokens("hello world", "gpt-4o-mini") == 2
    assert encoding_name_for("gpt-4o-mini") == "o200k_base"
    assert encoding_name_for("openai/gpt-4.1") == "o200k_base"
    assert encoding_name_for("gpt-3.5-turbo") == "cl100k_base"
    assert encoding_name_for("qwen2.5-7b-instruct") == "cl100k_base"


def test_a_corrupted_cache_file_is_rebuilt_from_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    install_tiktoken_cache(tmp_path)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2
    files[0].write_bytes(b"garbage")
    install_tiktoken_cache(tmp_path)
    digests = {hashlib.sha256(f.read_bytes()).hexdigest() for f in tmp_path.iterdir()}
    assert digests == set(EXPECTED_SHA256.values())
