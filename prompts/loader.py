"""Load a prompt by name, render it with exactly the variables it declares, and name it by content hash.

A prompt is two files in this folder: ``<name>.system.md`` and ``<name>.user.md``. Variables are written
``{{name}}``; rendering with a missing or an unexpected variable fails loudly instead of sending a half-filled
prompt. ``Prompt.sha256`` (of both files) is stamped on every grade the prompt produces.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from config.once import once

PROMPTS_DIR = Path(__file__).resolve().parent
_VARIABLE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


class PromptError(ValueError):
    """A prompt that does not exist, or a render with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    system: str
    user: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.system}\0{self.user}".encode()).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.sha256[:16]

    @property
    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.system)) | set(_VARIABLE.findall(self.user))

    def render(self, **values: str) -> list[dict[str, str]]:
        missing = self.variables - set(values)
        unexpected = set(values) - self.variables
        if missing or unexpected:
            raise PromptError(
                f"prompt {self.name!r}: missing variables {sorted(missing)}, unexpected {sorted(unexpected)}"
            )

        def fill(template: str) -> str:
            # One pass, so a value that itself contains "{{x}}" is never expanded.
            return _VARIABLE.sub(lambda m: values[m.group(1)], template)

        return [{"role": "system", "content": fill(self.system)}, {"role": "user", "content": fill(self.user)}]


@once
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    if not re.fullmatch(r"[a-z0-9_-]+", name):
        raise PromptError(f"invalid prompt name {name!r}")
    system, user = directory / f"{name}.system.md", directory / f"{name}.user.md"
    if not system.exists() or not user.exists():
        available = sorted(p.name.removesuffix(".system.md") for p in directory.glob("*.system.md"))
        raise PromptError(f"no prompt {name!r} in {directory} (available: {', '.join(available) or 'none'})")
    return Prompt(name, system.read_text(encoding="utf-8"), user.read_text(encoding="utf-8"))
