"""Seven Letters' regression baseline (issue 15): the test run's build has the page map,
the page texts (PDF and EPUB), the contents, the outline and the toc of
tests/baselines/seven-letters.json, field for field. Its pagination changes only where an
issue asks for it; then the baseline is renewed on purpose (`python tools/baseline.py`), in a
commit of its own that gives the reason. tools/baseline.py writes the file and reads both."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tools.baseline import (
    BASELINE,
    SOURCE,
    build_and_read,
    differences,
    load,
    page_differences,
    read_build,
    report,
    total_differences,
)


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    assert BASELINE.exists(), f"{BASELINE} is missing: `python tools/baseline.py` writes it"
    return load()


@pytest.fixture(scope="module")
def found(seven_letters: Path) -> dict[str, Any]:
    return read_build(seven_letters)


def test_each_page_is_as_the_baseline_has_it(baseline: dict[str, Any],
                                             found: dict[str, Any]) -> None:
    problems = page_differences(baseline, found)
    if problems:
        pytest.fail(report(problems), pytrace=False)


def test_the_totals_are_as_the_baseline_has_them(baseline: dict[str, Any],
                                                 found: dict[str, Any]) -> None:
    problems = total_differences(baseline, found)
    if problems:
        pytest.fail(report(problems), pytrace=False)


def test_a_difference_names_the_page_the_field_and_both_values(
        baseline: dict[str, Any]) -> None:
    changed = copy.deepcopy(baseline)
    page = next(p for p in changed["pages"] if p["page_map"]["offset"] > 0)
    page["page_map"]["offset"] += 1
    changed["totals"]["outline"][1]["page"] = "12"
    problems = differences(baseline, changed)
    was = next(p for p in baseline["pages"] if p["label"] == page["label"])["page_map"]
    assert problems[0].startswith(f"page {page['label']} (PDF page ")
    assert f"page_map.offset: expected {was['offset']}, found {was['offset'] + 1}" \
        in problems[0]
    assert problems[1].startswith("outline: entry 2: expected {'page': "), problems[1]
    assert "found {'page': '12', 'title': " in problems[1], problems[1]
    assert "python tools/baseline.py" in report(problems)


def test_a_changed_pagination_differs_from_the_baseline(baseline: dict[str, Any],
                                                        tmp_path: Path) -> None:
    # 2 mm more outside margin: narrower lines, so the letter of May 7 breaks elsewhere
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    book = source / "book.yaml"
    yaml_text = book.read_text(encoding="utf-8")
    assert "outside: 14mm" in yaml_text
    book.write_text(yaml_text.replace("outside: 14mm", "outside: 16mm"), encoding="utf-8")
    problems = differences(baseline, build_and_read(source))
    assert problems
    first = re.match(r"page (\S+) \(PDF page (\d+)\): ([\w.]+): ", problems[0])
    assert first, problems[0]
    assert first[3] in {"pdf_text", "page_map.offset", "page_map.element",
                        "page_map.first_words", "epub.text_after"}, problems[0]
