"""Bad sources give exit status 1, one message naming file:line and the fix, no
traceback, and leave the last good `dist/` exactly as it was (tests/bad/cases.yaml)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from publish.cli import app

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "bad" / "cases.yaml").read_text(encoding="utf-8"))


def _break(book: Path, case: dict[str, Any]) -> None:
    path = book / case["file"]
    if case.get("delete"):
        path.unlink()
        return
    if "write" in case:
        text = case["write"]
    else:
        old, new = case["replace"]
        text = path.read_text(encoding="utf-8")
        assert old in text, f"the case's text to replace is not in {case['file']}: {old!r}"
        text = text.replace(old, new, 1)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def last_good(tmp_path: Path) -> Path:
    """A dist/ holding a previous edition, which a failed build must leave alone."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "minimal.epub").write_bytes(b"the last good EPUB")
    (dist / "minimal.pdf").write_bytes(b"the last good PDF")
    return dist


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert len({case["code"] for case in CASES}) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_source(case: dict[str, Any], minimal: Path, last_good: Path) -> None:
    _break(minimal, case)
    before = _snapshot(last_good)
    result = CliRunner().invoke(app, ["build", str(minimal), "-o", str(last_good)])
    message = result.output
    assert result.exit_code == 1, message
    assert "Traceback" not in message
    assert f"{case['where']}: {case['code']}:" in message, message
    assert len(re.findall(r"^error:", message, re.MULTILINE)) == 1
    assert "fix:" in message
    assert case.get("fix", "") in message
    assert _snapshot(last_good) == before


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
