"""The layering rules (tests/layering.py) hold for the code base, and the checker catches what they forbid."""

from __future__ import annotations

from pathlib import Path

from tests.layering import cycles, layering_problems, modules, page_problems

REPO = Path(__file__).resolve().parents[1]


def test_every_package_is_checked() -> None:
    names = modules(REPO)
    for package in ("config", "grader", "rubric", "store", "embeddings", "prompts", "practice", "screening", "ui"):
        assert package in names or any(n.startswith(package + ".") for n in names), package
    assert len(names) > 100


def test_no_module_imports_a_higher_layer_and_none_import_each_other() -> None:
    problems = layering_problems(REPO)
    assert not problems, "\n".join(map(str, problems))


def test_pages_are_short_and_reach_the_core_through_services() -> None:
    problems = page_problems(REPO)
    assert not problems, "\n".join(map(str, problems))


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checker_reports_an_upward_import_a_cycle_and_a_fat_page(tmp_path: Path) -> None:
    _write(tmp_path, "grader/__init__.py", "")
    _write(tmp_path, "grader/judge.py", "def f():\n    from interview_grader.cli import main\n")  # lazy, still found
    _write(tmp_path, "interview_grader/__init__.py", "")
    _write(tmp_path, "interview_grader/cli.py", "main = 1\n")
    _write(tmp_path, "rubric/__init__.py", "")
    _write(tmp_path, "rubric/a.py", "from rubric import b\n")
    _write(tmp_path, "rubric/b.py", "from rubric.a import x\n")
    _write(tmp_path, "store/__init__.py", "")
    _write(tmp_path, "store/db.py", "")
    _write(tmp_path, "ui/__init__.py", "")
    _write(tmp_path, "ui/cli_use.py", "import interview_grader.cli\n")
    _write(tmp_path, "ui/fat_page.py", "from store.db import Database\n" + "x = 1\n" * 200)
    problems = [str(p) for p in layering_problems(tmp_path)]
    assert (
        "grader.judge: imports interview_grader.cli (a interview_grader module may not be imported from grader)"
        in problems
    )
    assert "rubric.a <-> rubric.b: import each other" in problems
    assert any(p.startswith("ui.cli_use: imports interview_grader.cli") for p in problems)
    pages = [str(p) for p in page_problems(tmp_path)]
    assert "ui.fat_page: is 201 lines long (a page is at most 200)" in pages
    assert "ui.fat_page: imports store.db (pages reach the core through a service)" in pages


def test_cycles_finds_a_long_loop_and_nothing_in_a_tree() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []
