"""Every module of the product imports in the test environment, so the fast loop notices a broken import in a
module no other fast test reaches (the training scripts, the calibration command). The trainers
that need torch are the only exception, and they must fail for want of torch alone."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest

from tests.layering import LAYERS

REPO = Path(__file__).resolve().parents[1]

# Run in the training environment (make train-env installs CPU torch), not in the app's.
NEEDS_TORCH = {"evals.train_judge", "evals.train_cross_judge", "evals.compare_cross_encoder"}


def product_modules() -> list[str]:
    names = []
    for package in LAYERS:
        if package == "app":
            continue
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if "migrations" in parts or "page_scripts" in parts:
                continue  # scripts, not modules: alembic runs the migrations, Streamlit the pages (AppTest tests)
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_module_list_is_the_product() -> None:
    modules = product_modules()
    assert len(modules) > 100
    assert {"config.settings", "grader.pipeline", "evals.judge_features", "ui.practice_page"} <= set(modules)
    assert set(modules) >= NEEDS_TORCH


@pytest.mark.parametrize("name", product_modules())
def test_module_imports(name: str) -> None:
    if name in NEEDS_TORCH and importlib.util.find_spec("torch") is None:
        with pytest.raises(ModuleNotFoundError) as missing:
            importlib.import_module(name)
        assert missing.value.name == "torch"
        return
    importlib.import_module(name)
