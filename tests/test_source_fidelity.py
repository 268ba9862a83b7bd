"""The structured source says what the scanned book says: no word lost, added or changed.

The scan (`tests/seed/`, a copy of `../shared/seed/`) is read afresh by every test,
and the expectations are derived from it rather than copied into this file. Only
plain Python and PyYAML are used, so these tests do not depend on the loader.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .scan import (
    TERMINAL,
    blocks_from,
    index_of,
    page_breaks,
    plain_lines,
    seed_contents,
    seed_paragraphs,
    seed_prose,
    words,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
# The number of paragraphs the scan broke at a page (checked so that a change in
# how the scan is parsed cannot silently shrink test (a) to nothing).
EXPECTED_BREAKS = 8
EDITORIAL = re.compile(r"^::: *editorial\s*\n.*?\n:::\s*$", re.M | re.S)

# --- reading the scan ---------------------------------------------------------


# --- reading the source -------------------------------------------------------


def book() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SOURCE / "book.yaml").read_text(encoding="utf-8"))
    return data


def split_part(path: Path) -> tuple[dict[str, Any], str]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    text = raw.decode("utf-8")
    assert text.endswith("\n"), f"{path.name} lacks a final newline"
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, f"{path.name} does not start with a YAML header between --- lines"
    return yaml.safe_load(match[1]), match[2]


def parts() -> list[tuple[dict[str, Any], str]]:
    return [split_part(SOURCE / name) for name in book()["text"]]


def without_editorial(body: str) -> str:
    return EDITORIAL.sub("", body)


def source_paragraphs() -> list[str]:
    paras: list[str] = []
    for _, body in parts():
        paras += [p.strip() for p in re.split(r"\n\s*\n", without_editorial(body)) if p.strip()]
    return paras


# --- (a) the page breaks are joined -------------------------------------------


def test_the_scan_has_the_expected_page_breaks() -> None:
    assert len(page_breaks()) == EXPECTED_BREAKS


@pytest.mark.parametrize("pair", page_breaks(), ids=lambda pair: f"{pair[0][-20:]}|{pair[1][:20]}")
def test_each_page_break_is_joined_into_one_paragraph(pair: tuple[str, str]) -> None:
    first, then = pair
    joined = f"{first} {then}"
    assert any(joined in p for p in source_paragraphs()), (
        f"the source does not join ...{first[-40:]!r} / {then[:40]!r}... into one paragraph"
    )


def test_every_source_paragraph_ends_or_is_the_last() -> None:
    """No paragraph of the source is still broken, except the fragment the scan stops on."""
    paras = source_paragraphs()
    broken = [p for p in paras[:-1] if not p.endswith(TERMINAL)]
    assert broken == []
    assert paras[-1] == seed_prose()[-1], "the last paragraph should be the scan's last fragment"


def test_one_paragraph_per_line() -> None:
    for header, body in parts():
        for p in re.split(r"\n\s*\n", without_editorial(body)):
            assert "\n" not in p.strip(), f"{header['id']}: a paragraph is hard-wrapped"


# --- (b) every word, in order -------------------------------------------------


def test_the_words_are_the_scans_words_in_order() -> None:
    expected = words("\n".join(seed_prose()))
    actual = words("\n".join(without_editorial(body) for _, body in parts()))
    if actual != expected:
        at = next(
            (i for i, (a, e) in enumerate(zip(actual, expected, strict=False)) if a != e),
            min(len(actual), len(expected)),
        )
        pytest.fail(
            f"the words part at word {at}: source {actual[at - 5 : at + 5]!r}"
            f" / scan {expected[at - 5 : at + 5]!r} ({len(actual)} vs {len(expected)} words)"
        )


def test_the_paragraphs_are_the_scans_paragraphs_exactly() -> None:
    """Joined paragraphs aside, each paragraph is the scan's, character for character."""
    source = source_paragraphs()
    joined_halves = {half for pair in page_breaks() for half in pair}
    for p in seed_prose():
        if p in joined_halves:
            continue
        assert p in source, f"the source lacks the scan's paragraph {p[:60]!r}"


def test_parts_without_text_hold_only_an_editorial_note() -> None:
    for header, body in parts()[2:]:
        assert body.strip(), f"{header['id']} has an empty body"
        assert without_editorial(body).strip() == "", f"{header['id']} has text the scan lacks"


def test_the_letter_ends_with_an_editorial_note_after_the_fragment() -> None:
    _, body = parts()[1]
    assert EDITORIAL.search(body)
    assert body.rstrip().endswith(":::")


def test_the_letter_heading_dateline_and_addressee_are_the_scans() -> None:
    paras = seed_paragraphs()
    note = index_of(paras, "## CONTENTS") + 2
    heading = index_of(paras, "**LETTER OF THE", after=note)
    header, _ = parts()[1]
    assert header["heading"] == plain_lines(paras[heading])
    assert header["dateline"] == paras[heading + 1]
    assert header["addressee"] == plain_lines(paras[heading + 2])
    assert paras[heading + 3] == "Dear Comrades,"


# --- (c) cover, title page and imprint ----------------------------------------


def test_the_cover_is_the_scans() -> None:
    cover = book()["cover"]
    assert [b["lines"] for b in cover] == blocks_from("**SEVEN LETTERS", 2, 1)
    assert [b["style"] for b in cover] == ["title", "publisher"]


def test_the_title_page_is_the_scans() -> None:
    title_page = book()["title_page"]
    assert [b["lines"] for b in title_page] == blocks_from("**SEVEN LETTERS", 2, 2)
    assert [b["style"] for b in title_page] == ["title", "publisher"]


def test_the_imprint_is_the_scans() -> None:
    paras = seed_paragraphs()
    first = index_of(paras, "# ")
    last = index_of(paras, "*Printed", after=first)
    expected = [line for p in paras[first : last + 1] for line in plain_lines(p)]
    imprint = book()["imprint"]
    assert [line for b in imprint for line in b["lines"]] == expected
    assert imprint[0]["lines"] == plain_lines(paras[first])
    assert imprint[-1]["lines"] == plain_lines(paras[last])


def test_the_original_numbers_are_the_imprints() -> None:
    imprint_lines = [line for b in book()["imprint"] for line in b["lines"]]
    for number in book()["original"]["numbers"]:
        assert any(line.endswith(number) for line in imprint_lines), number


# --- (d) the order of the letters ---------------------------------------------


def test_the_letters_follow_the_original_contents() -> None:
    listed = [h["title"] for h, _ in parts() if h.get("in_contents", True)]
    assert listed == seed_contents()
    assert len(listed) == 7


def test_the_publishers_note_comes_first_and_is_not_in_the_contents() -> None:
    header, _ = parts()[0]
    assert header["id"] == "publishers-note"
    assert header["in_contents"] is False
    assert "heading" not in header


def test_file_names_ids_and_dates_agree() -> None:
    for name, (header, _) in zip(book()["text"], parts(), strict=True):
        stem = Path(name).stem
        assert stem.split("-", 1)[1] == header["id"], name
        if header["kind"] == "letter":
            assert header["id"].endswith(header["date"].isoformat()), name
