"""The package layout the README's architecture map describes: one folder per pipeline stage."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pi_scan"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### Architecture") : README.index("## Extraction speed")]


def test_root_holds_few_modules() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert len(modules) <= 5, sorted(modules)
    assert modules == {"model", "errors", "datafiles"}


def test_readme_map_matches_the_tree() -> None:
    rows = re.findall(r"^\| `pi_scan/(\w+)/` \| [^|]+ \| ([^|]+) \|$", SECTION, re.M)
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {folder for folder, _ in rows} == folders
    for folder, text in rows:
        for name in re.findall(r"`(\w+)`", text):  # modules, or functions of the package itself
            here = PACKAGE / folder
            assert (here / f"{name}.py").is_file() or f"def {name}(" in (
                here / "__init__.py"
            ).read_text(), f"README puts `{name}` in pi_scan/{folder}/, which has no such module"


def test_readme_python_example_runs(capsys: object) -> None:
    block = re.search(r"```python\n(.*?)```", SECTION, re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {"__name__": "readme"})
