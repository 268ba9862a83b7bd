"""The one registry of diagnostic codes (publish/errors.py `CODES`) against the package and
the README: every code publish raises or reports is registered, every registered code is
raised or reported somewhere, README.md's "Diagnostics" table is the registry's, and the
command stops on each code with the registry's exit status."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import publish.cli
from publish.cli import app
from publish.errors import (
    CODES,
    FAILED,
    GROUPS,
    WRONG_USAGE,
    PublishError,
    UsageError,
    exit_status,
    readme_table,
)

PACKAGE = Path(publish.cli.__file__).parent
README = PACKAGE.parent / "README.md"
REGISTRY = PACKAGE / "errors.py"
CODE = re.compile(r"[SOPVEU]-[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
# A code mentioned in any text: not part of a longer word or code (`UTF-8` is none).
MENTION = re.compile(rf"(?<![\w-]){CODE.pattern}(?![\w-])")


def _sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if path != REGISTRY)


def _used() -> dict[str, list[str]]:
    """Each code that a module of publish/ (but the registry) holds as a string of its own:
    what it raises or reports. Its files and lines, for the messages."""
    used: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CODE.fullmatch(node.value):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                used.setdefault(node.value, []).append(where)
    return used


def _diagnostics() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Diagnostics\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _readme_rows() -> list[tuple[list[str], str, str]]:
    """The rows of README's Diagnostics table: (codes, meaning, what to do)."""
    lines = [line for line in _diagnostics().splitlines() if line.startswith("|")]
    assert lines[:2] == ["| code | meaning | what to do |", "| --- | --- | --- |"], lines[:2]
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == 3, f"not three cells: {line}"
        rows.append(([code.strip() for code in cells[0].split(",")], cells[1], cells[2]))
    return rows


def test_every_code_used_in_the_package_is_registered() -> None:
    unknown = {code: where for code, where in _used().items() if code not in CODES}
    assert not unknown, f"add these to publish/errors.py CODES: {unknown}"


def test_every_code_mentioned_in_the_package_is_registered() -> None:
    """Docstrings, comments, templates: a code named anywhere is a real one (no typos)."""
    unknown: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".md", ".jinja", ".html", ".css", ".txt"}:
            for code in MENTION.findall(path.read_text(encoding="utf-8", errors="replace")):
                if code not in CODES:
                    unknown.setdefault(code, []).append(str(path.relative_to(PACKAGE.parent)))
    assert not unknown, unknown


def test_every_registered_code_is_raised_or_reported() -> None:
    unused = sorted(set(CODES) - set(_used()))
    assert not unused, f"no module of publish/ raises or reports these: {unused}"


def test_the_registry_is_grouped_by_prefix() -> None:
    prefixes = [code[0] for code in CODES]
    assert set(prefixes) == set(GROUPS)
    # One run per group, in GROUPS' order: the README table reads group by group.
    runs = [prefix for i, prefix in enumerate(prefixes) if i == 0 or prefixes[i - 1] != prefix]
    assert runs == list(GROUPS), runs
    for code, entry in CODES.items():
        assert CODE.fullmatch(code), code
        assert entry.meaning and entry.fix, code
        assert "|" not in entry.meaning + entry.fix, f"{code}: a '|' breaks the README table"


def test_usage_codes_exit_2_and_the_rest_1() -> None:
    """Every U- code is wrong usage (2) but U-BUSY: the command was right, and succeeds
    once the other build is done, so it is a failure of this run (1)."""
    for code, entry in CODES.items():
        usage = code.startswith("U-") and code != "U-BUSY"
        assert entry.exit_status == (WRONG_USAGE if usage else FAILED), code
        assert exit_status(code) == entry.exit_status
    assert exit_status("X-NOT-A-CODE") == FAILED
    assert UsageError("U-FORMAT", "m").exit_status == WRONG_USAGE
    assert PublishError("U-EPOCH", "m").exit_status == WRONG_USAGE
    assert UsageError("U-BUSY", "m").exit_status == FAILED
    assert isinstance(UsageError("U-PAGE", "m"), PublishError)


def test_the_readme_table_lists_the_registry() -> None:
    listed: dict[str, tuple[str, str]] = {}
    for codes, meaning, fix in _readme_rows():
        for code in codes:
            assert code not in listed, f"{code} is listed twice in README's Diagnostics"
            listed[code] = (meaning, fix)
    missing = sorted(set(CODES) - set(listed))
    extra = sorted(set(listed) - set(CODES))
    assert not missing, f"README's Diagnostics table lacks {missing}"
    assert not extra, f"README's Diagnostics table lists codes not in CODES: {extra}"
    differ = {code: {"README": listed[code], "CODES": (entry.meaning, entry.fix)}
              for code, entry in CODES.items() if listed[code] != (entry.meaning, entry.fix)}
    assert not differ, differ
    # Also the order and the rows shared: the table is what the registry prints.
    assert readme_table() in _diagnostics(), \
        "README's Diagnostics table is not `python -m publish.errors`: paste its output"


@pytest.mark.parametrize("code", list(CODES))
def test_the_command_exits_with_the_registry_status(code: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI maps every code to its exit status in one place (`_reporting`), and prints
    the message as written: `[/x]` is text, not Rich markup."""
    def refuse(folder: Path) -> list[Path]:
        raise PublishError(code, "a message with [/x] and [bold]markup[/bold]", "a fix [/]",
                           path=str(folder))

    monkeypatch.setattr(publish.cli, "new_book", refuse)
    result = CliRunner().invoke(app, ["new", str(tmp_path / "book")])
    assert result.exit_code == CODES[code].exit_status, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert len(re.findall(r"^error:", result.output, re.MULTILINE)) == 1, result.output
    assert f"{code}: a message with [/x] and [bold]markup[/bold]" in result.output
    assert "fix: a fix [/]" in result.output


def test_a_bug_exits_1_as_e_internal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(folder: Path) -> list[Path]:
        raise ValueError("[/x] went wrong")

    monkeypatch.delenv("PUBLISH_DEBUG", raising=False)
    monkeypatch.setattr(publish.cli, "new_book", crash)
    result = CliRunner().invoke(app, ["new", str(tmp_path / "book")])
    assert result.exit_code == CODES["E-INTERNAL"].exit_status == 1, result.output
    assert "E-INTERNAL: ValueError: [/x] went wrong" in result.output
    assert "Traceback" not in result.output
