"""The text pipeline against hand-written cases, in markdown-it-py's fixture style.

Each file of tests/fixtures/ holds cases of one kind (its header says which and how it is
written): Markdown in, the expected XHTML (or plain text, headings, refusal) out. The
expected outputs were written by hand from the typography the book should have, not
copied from a run, so a change in the pipeline's typography fails here with a diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

# --- Adapter: the only lines that name the text pipeline's API ------------------------
# (the parser and the renderer are being moved and renamed; change only these lines.)
from publish.errors import SourceError
from publish.render.markup import Languages, inline_html, text_html
from publish.source.limits import Refusal
from publish.source.markup import check_inline, parse_text, plain_text

SOURCE = "text/part.md"
# The text is in the book's language, English; Han characters no span names are
# Simplified Chinese (Seven Letters', and any English book's, default).
LANGUAGE, HAN = "en", "zh-Hans"


def body(md: str, part: str = "p") -> str:
    """A part's body as its XHTML fragment."""
    return text_html(parse_text(md, SOURCE, 1, part), LANGUAGE, HAN)


def headings(md: str, part: str = "p") -> list[tuple[int, str, str]]:
    """The headings a part's body collects: level, id, text."""
    return [(h.level, h.id, h.text) for h in parse_text(md, SOURCE, 1, part).headings]


def inline(line: str) -> str:
    """One line of inline Markdown as XHTML."""
    return inline_html(line, Languages(LANGUAGE, HAN))


def plain(line: str) -> str:
    """One line of inline Markdown as plain text with typography."""
    return plain_text(line)


def refusal(md: str, first_line: int = 1) -> tuple[str, str | None, int | None] | None:
    """The code, file and line a body is refused with, or None if it is accepted."""
    try:
        parse_text(md, SOURCE, first_line, "p")
    except SourceError as error:
        return error.code, error.path, error.line
    return None


def metadata_refusal(line: str) -> tuple[str, int] | None:
    """The code and line a line of metadata is refused with, or None if it is accepted."""
    try:
        check_inline(line)
    except Refusal as refused:
        return refused.code, refused.line
    return None


# --- Reading the fixture files ----------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures"
NBSP, SHOWN_NBSP = "\u00a0", "\u2423"  # the files write a no-break space as '␣'


@dataclass(frozen=True)
class Case:
    name: str
    where: str  # file:line of the case's name, for the failure message
    input: str
    expected: str

    def directives(self) -> tuple[dict[str, str], str]:
        """The input's leading `%name value` lines, and the rest of the input."""
        found: dict[str, str] = {}
        lines = self.input.split("\n")
        while lines and lines[0].startswith("%"):
            name, _, value = lines.pop(0)[1:].partition(" ")
            found[name] = value.strip()
        return found, "\n".join(lines)


def read_cases(name: str) -> list[Case]:
    """The cases of one fixture file: a name line, '.', input, '.', expected, '.'."""
    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    assert NBSP not in text, f"{path}: write a no-break space as '{SHOWN_NBSP}'"
    lines = text.replace(SHOWN_NBSP, NBSP).split("\n")
    cases: list[Case] = []
    at = 0

    def section(start: int) -> tuple[str, int]:
        end = start
        while end < len(lines) and lines[end] != ".":
            end += 1
        assert end < len(lines), f"{path}:{start + 1}: a section not closed by '.'"
        return "\n".join(lines[start:end]), end + 1

    while at < len(lines):
        line = lines[at]
        if not line.strip() or line.startswith("#"):
            at += 1
            continue
        where = f"{path.relative_to(FIXTURES.parent.parent)}:{at + 1}"
        assert at + 1 < len(lines) and lines[at + 1] == ".", f"{where}: '.' after the name"
        source, at = section(at + 2)
        expected, at = section(at)
        cases.append(Case(line.strip(), where, source, expected))
    names = [case.name for case in cases]
    assert len(set(names)) == len(names), f"{path}: two cases share a name"
    assert cases, f"{path}: no cases"
    return cases


def cases_of(name: str) -> pytest.MarkDecorator:
    cases = read_cases(name)
    return pytest.mark.parametrize("case", cases, ids=[case.name for case in cases])


def shown(text: str) -> str:
    return text.replace(NBSP, SHOWN_NBSP)


def check(case: Case, got: str, expected: str | None = None) -> None:
    """Fail with the case, what was expected, what came and a line diff."""
    expected = case.expected if expected is None else expected
    if got == expected:
        return
    diff = difflib.unified_diff(shown(expected).split("\n"), shown(got).split("\n"),
                                "expected", "got", lineterm="")
    pytest.fail(f"{case.where}: {case.name}\n--- input:\n{shown(case.input)}\n"
                f"--- expected:\n{shown(expected)}\n--- got:\n{shown(got)}\n"
                "--- diff:\n" + "\n".join(diff), pytrace=False)


def directives_of(case: Case, allowed: set[str]) -> tuple[dict[str, str], str]:
    directives, md = case.directives()
    assert set(directives) <= allowed, f"{case.where}: unknown directive in {set(directives)}"
    return directives, md


def run_body(case: Case, render: Callable[[str, str], str]) -> str:
    directives, md = directives_of(case, {"part"})
    return render(md, directives.get("part", "p"))


# --- The cases --------------------------------------------------------------------------


@cases_of("typography.txt")
def test_typography(case: Case) -> None:
    check(case, inline(case.input))


@cases_of("blocks.txt")
def test_blocks(case: Case) -> None:
    # The fragment ends with a newline; the files do not write it.
    check(case, run_body(case, body), case.expected + "\n")


@cases_of("features.txt")
def test_features(case: Case) -> None:
    directives, md = directives_of(case, {"edition"})
    edition = directives.get("edition", "epub")
    got = text_html(parse_text(md, SOURCE, 1, "p"), LANGUAGE, HAN, part="p", edition=edition)
    check(case, got, case.expected + "\n")


@cases_of("headings.txt")
def test_headings(case: Case) -> None:
    got = run_body(case, lambda md, part: "\n".join(
        f"{level} {id} {text}" for level, id, text in headings(md, part)))
    check(case, got)


@cases_of("plain.txt")
def test_plain(case: Case) -> None:
    check(case, plain(case.input))


@cases_of("refusals.txt")
def test_refusals(case: Case) -> None:
    directives, md = directives_of(case, {"metadata", "first-line"})
    if "metadata" in directives:
        refused_line = metadata_refusal(md)
        got = "accepted" if refused_line is None else f"{refused_line[0]} line {refused_line[1]}"
    else:
        refused = refusal(md, int(directives.get("first-line", "1")))
        got = "accepted" if refused is None else f"{refused[0]} {refused[1]}:{refused[2]}"
    check(case, got)
