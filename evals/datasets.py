"""Load a labelled eval dataset (JSON Lines, see ``evals/datasets/README.md``) and check it against the bank."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rubric.model import Bank

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
KINDS = {
    "strong",
    "partial",
    "weak",
    "paraphrase",
    "rejection",
    "swap",
    "keyword_list",
    "off_topic",
    "empty",
    "garbled",
    "rambling",
    "injection",
    "other_language",
    # written for the grading-pipeline work: answers that discuss prompts, injection, graders or rubrics as
    # their subject; short answers to questions that ask for a choice or a name
    "discussion",
    "short",
    # the cross-domain set's writing styles (see evals/datasets/LABELLING.md)
    "bullets",
    "terse",
    "typos",
    "non_native",
    "long_buried",
    "negation",
    "opposite",
}
LABELS = ("covered", "partial", "missed", "contradicted")
INJECTIONS = {
    None,
    "instruction",
    "fake_json",
    "closing_tag",
    "roleplay",
    "other_language",
    "rubric_stuffing",
    "appended",
}
FIELDS = {"id", "question_id", "kind", "answer", "labels", "base_id", "injection", "note"}
OPTIONAL_FIELDS = {"evidence"}


class DatasetError(ValueError):
    pass


@dataclass(frozen=True)
class Record:
    id: str
    question_id: str
    kind: str
    answer: str
    labels: dict[str, str]
    base_id: str | None
    injection: str | None
    note: str
    # point id -> the verbatim spans of the answer that make the point (for covered, partial and contradicted)
    evidence: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path
    meta: dict[str, Any]
    records: list[Record]

    @property
    def version(self) -> str:
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        return f"{self.meta.get('version', '?')}+{digest}"

    def by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}


def dataset_path(name: str) -> Path:
    path = Path(name)
    if path.suffix == ".jsonl" and path.exists():
        return path
    candidate = DATASETS_DIR / f"{name}.jsonl"
    if candidate.exists():
        return candidate
    available = sorted(p.stem for p in DATASETS_DIR.glob("*.jsonl"))
    raise DatasetError(f"no dataset {name!r} (available: {', '.join(available)}, saf, or a .jsonl path)")


def load_dataset(name: str, bank: Bank) -> Dataset:
    path = dataset_path(name)
    meta: dict[str, Any] = {}
    records: list[Record] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as err:
            raise DatasetError(f"{path}:{lineno}: not valid JSON ({err.msg})") from err
        if "_meta" in raw:
            meta = raw["_meta"]
            continue
        records.append(_record(raw, path, lineno, bank))
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"{path}: repeated record ids")
    known = set(ids)
    for r in records:
        if r.base_id is not None and r.base_id not in known:
            raise DatasetError(f"{path}: {r.id} names base {r.base_id}, which is not in the file")
    return Dataset(Path(name).stem, path, meta, records)


def _record(raw: dict[str, Any], path: Path, lineno: int, bank: Bank) -> Record:
    where = f"{path}:{lineno}"
    if not FIELDS <= set(raw) <= FIELDS | OPTIONAL_FIELDS:
        raise DatasetError(f"{where}: fields must be {sorted(FIELDS)}, optionally {sorted(OPTIONAL_FIELDS)}")
    if raw["kind"] not in KINDS or raw["injection"] not in INJECTIONS:
        raise DatasetError(f"{where}: unknown kind or injection")
    try:
        question = bank.get(raw["question_id"])
    except KeyError as err:
        raise DatasetError(f"{where}: unknown question {raw['question_id']}") from err
    if sorted(raw["labels"]) != sorted(p.id for p in question.points):
        raise DatasetError(f"{where}: labels must cover exactly the points of {question.id}")
    if any(v not in LABELS for v in raw["labels"].values()):
        raise DatasetError(f"{where}: labels are {', '.join(LABELS)}")
    evidence = _evidence(raw.get("evidence") or {}, raw["answer"], raw["labels"], where)
    return Record(
        id=raw["id"],
        question_id=raw["question_id"],
        kind=raw["kind"],
        answer=raw["answer"],
        labels=raw["labels"],
        base_id=raw["base_id"],
        injection=raw["injection"],
        note=raw["note"],
        evidence=evidence,
    )


def _evidence(raw: dict[str, Any], answer: str, labels: dict[str, str], where: str) -> dict[str, list[tuple[int, int]]]:
    """Evidence spans are ``{"start", "end", "text"}`` with ``answer[start:end] == text``, only on credited or
    contradicted points (see ``evals/spans.py``, which fills the offsets from quotes)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for point_id, spans in raw.items():
        if point_id not in labels:
            raise DatasetError(f"{where}: evidence for unknown point {point_id}")
        if labels[point_id] == "missed":
            raise DatasetError(f"{where}: evidence for {point_id}, which is labelled missed")
        out[point_id] = []
        for span in spans:
            if not isinstance(span, dict) or answer[span["start"] : span["end"]] != span.get("text"):
                raise DatasetError(f"{where}: evidence for {point_id} is not the answer's text at its offsets")
            out[point_id].append((span["start"], span["end"]))
    return out


# Labelled sets that come with their own bank: (bank file, answers file), under evals/datasets/.
OWN_BANK = {
    "edge": ("edge/bank.yaml", "edge/answers.jsonl"),
    "crossdomain": ("crossdomain/bank.yaml", "crossdomain/answers.jsonl"),
}
SPLITS = ("test", "train", "all")


def without_paraphrases(bank: Bank) -> Bank:
    """The bank as an imported guide or a recruiter's own questions would be: no per-point paraphrases."""
    questions = [
        q.model_copy(update={"points": [p.model_copy(update={"paraphrases": []}) for p in q.points]})
        for q in bank.questions
    ]
    return bank.model_copy(update={"questions": questions})


def split_questions(name: str, split: str) -> set[str] | None:
    """The question ids of a set's ``split`` (``split.json``, fixed before any training), or None for all."""
    path = DATASETS_DIR / name / "split.json"
    if split == "all" or not path.exists():
        return None
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r} (choose {', '.join(SPLITS)})")
    return set(json.loads(path.read_text(encoding="utf-8"))[split])


def load_named(name: str, *, split: str = "test", paraphrases: bool = True) -> tuple[Dataset, Bank]:
    """A labelled set and the bank its answers are to: golden and holdout answer the shipped bank; edge and
    crossdomain carry their own. Sets with a ``split.json`` give their ``split`` (default: the test
    questions, never trained on)."""
    from rubric.bank import load_default_bank
    from rubric.yaml_bank import load_bank

    if name in OWN_BANK:
        bank_file, answers = OWN_BANK[name]
        bank = load_bank(DATASETS_DIR / bank_file)
        dataset = load_dataset(str(DATASETS_DIR / answers), bank)
        keep = split_questions(name, split)
        label = name if keep is None else f"{name}-{split}"
        records = [r for r in dataset.records if keep is None or r.question_id in keep]
        dataset = Dataset(label, dataset.path, dataset.meta, records)
    else:
        bank = load_default_bank()
        dataset = load_dataset(name, bank)
    if not paraphrases:
        bank = without_paraphrases(bank)
        dataset = Dataset(f"{dataset.name}-no-paraphrases", dataset.path, dataset.meta, dataset.records)
    return dataset, bank
