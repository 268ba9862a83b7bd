"""Bad sources give exit status 1, one message naming file:line and the fix, no
traceback, and leave the last good `dist/` exactly as it was (tests/bad/cases.yaml)."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import publish.cli
from publish.build.pipeline import build
from publish.cli import app

from .changes import TooLong, apply, around, bounded, snapshot

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "bad" / "cases.yaml").read_text(encoding="utf-8"))


def changes_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes a case makes: the case itself, or its list of `changes`."""
    return list(case.get("changes", [case]))


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case["code"] for case in CASES}) >= 15
    assert len({case["name"] for case in CASES}) == len(CASES)
    # book.yaml, the Markdown files (text/) and the fonts (fonts/) all have their cases.
    assert {change["file"].split("/")[0] for case in CASES
            for change in changes_of(case)} >= {"book.yaml", "text", "fonts"}
    # Each key of the general format (issue 15) has its refusals.
    assert {case["code"] for case in CASES} >= {"S-LANGUAGE", "S-ISBN", "S-RELATOR",
                                                "S-STRUCTURE", "S-PART-ORDER", "S-ATTRIBUTE"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_source(case: dict[str, Any], minimal: Path, last_good: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = None
    for change in changes_of(case):
        fonts = apply(minimal, change) or fonts
    if fonts is not None:  # the command builds with the broken copy of the fonts folder
        monkeypatch.setattr(publish.cli, "build", functools.partial(build, fonts=fonts))
    before, tree = snapshot(last_good), around(minimal.parent)
    with bounded():
        result = CliRunner().invoke(app, ["build", str(minimal), "-o", str(last_good)])
    message = result.output
    assert not isinstance(result.exception, (TooLong, MemoryError)), result.exception
    assert result.exit_code == 1, message
    assert "Traceback" not in message
    assert f"{case['where']}: {case['code']}:" in message, message
    assert len(re.findall(r"^error:", message, re.MULTILINE)) == 1
    assert "fix:" in message
    assert case.get("fix", "") in message
    assert snapshot(last_good) == before
    assert around(minimal.parent) == tree  # nothing created, changed or removed anywhere


def test_a_real_process_prints_no_traceback(minimal: Path, last_good: Path) -> None:
    (minimal / "book.yaml").write_text("slug: [broken\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "publish", "build", str(minimal), "-o",
                          str(last_good)], capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert "minimal/book.yaml:1: S-YAML:" in run.stderr


def test_wrong_usage_exits_2(minimal: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(minimal), "--profile", "glossy"])
    assert result.exit_code == 2
