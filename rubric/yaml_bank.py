"""Banks as plain YAML files: the shipped bank, hand-written banks, and the importer's output.

A hand-written bank needs only what a person knows::

    id: my-bank
    title: My questions
    questions:
      - id: k8s-1            # optional: defaults to q<number>
        number: 1
        section: 1
        section_title: Kubernetes
        text: How does a readiness probe differ from a liveness probe?
        logic: Readiness gates traffic; liveness restarts the container.
        points:
          - label: readiness gates traffic     # id optional: defaults to <question id>.<n>
            text: A failing readiness probe takes the pod out of service endpoints
          - label: liveness restarts
            text: A failing liveness probe makes the kubelet restart the container
            examples: [crash loop]

Errors name the file, the line and the question, and loading never half-succeeds.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rubric.model import Bank


class BankError(ValueError):
    """A bank file that cannot be loaded or written."""


# YAML's line breaks, as its error marks count them.
_YAML_LINE_END = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


class _Dumper(yaml.SafeDumper):
    """PyYAML writes NEL, LS and PS raw into plain or single-quoted scalars and then reads them back as line
    breaks folded to spaces; strings holding them are written double-quoted, where they are escaped."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        if any(ch in data for ch in "\x85\u2028\u2029"):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_Dumper.add_representer(str, _Dumper.represent_str)


def _line_of(root: yaml.Node | None, location: tuple[int | str, ...]) -> int | None:
    """The 1-based line in the YAML source of the node at ``location`` (as pydantic reports it)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for key in location:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _fill_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    """Give hand-written questions and points their default ids."""
    questions = raw.get("questions")
    if not isinstance(questions, list):
        return raw
    for q in questions:
        if not isinstance(q, dict):
            continue
        if "id" not in q and isinstance(q.get("number"), int):
            q["id"] = f"q{q['number']:02d}"
        q.setdefault("section_title", "General")
        q.setdefault("section", 1)
        points = q.get("points")
        if isinstance(points, list):
            for i, p in enumerate(points, start=1):
                if isinstance(p, dict) and "id" not in p and "id" in q:
                    p["id"] = f"{q['id']}.{i}"
    return raw


def parse_bank(text: str, source: str = "<bank>") -> Bank:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.reader.ReaderError as err:  # a character YAML does not allow (control characters, NUL)
        line: int | None = len(_YAML_LINE_END.split(text[: err.position]))
        code = err.character if isinstance(err.character, int) else ord(err.character)
        message = f"not valid YAML: the character U+{code:04X} is not allowed in YAML"
        raise BankError(f"{source}:{line}: {message}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise BankError(f"{where}: not valid YAML: {getattr(err, 'problem', err)}") from err
    if not isinstance(raw, dict):
        raise BankError(f"{source}: a bank is a mapping with 'id', 'title' and 'questions'")
    try:
        return Bank.model_validate(_fill_defaults(raw))
    except ValidationError as err:
        first = err.errors()[0]
        location = tuple(first["loc"])
        line = _line_of(root, location)
        path = ".".join(str(part) for part in location) or "bank"
        where = f"{source}:{line}" if line else source
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BankError(f"{where}: {path}: {message}") from err


def load_bank(path: Path) -> Bank:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise BankError(f"{path}: cannot read: {err.strerror or err}") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = len(_YAML_LINE_END.split(data[: err.start].decode("utf-8-sig")))
        raise BankError(f"{path}:{line}: not valid UTF-8") from err
    return parse_bank(text, str(path))


def dump_bank(bank: Bank) -> str:
    return yaml.dump(
        bank.model_dump(mode="json", exclude_defaults=True),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
        default_flow_style=False,
    )


def save_bank(bank: Bank, path: Path) -> None:
    """Write atomically: a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_bank(bank))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
