"""The structured source says what the scanned book says: no word lost, added or changed.

The scan (`/work/shared/seed/000_053b15a79672fe52.txt`) is read afresh by every test,
and the expectations are derived from it rather than copied into this file. Only
plain Python and PyYAML are used, so these tests do not depend on the loader.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
SEED = Path("/work/shared/seed/000_053b15a79672fe52.txt")

# A paragraph that ends with one of these has ended; any other ending is a page break.
TERMINAL = tuple('.!?:;,\u201d"')
# The number of paragraphs the scan broke at a page (checked so that a change in
# how the scan is parsed cannot silently shrink test (a) to nothing).
EXPECTED_BREAKS = 8
DATELINE = re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}$")
EDITORIAL = re.compile(r"^::: *editorial\s*\n.*?\n:::\s*$", re.M | re.S)

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="the scanned seed is not available")


# --- reading the scan ---------------------------------------------------------


def seed_paragraphs() -> list[str]:
    """The scan's paragraphs (blocks between blank lines), each with its lines kept."""
    text = SEED.read_text(encoding="utf-8")
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def plain_lines(paragraph: str) -> list[str]:
    """A scanned block's lines without the scan's Markdown (bold, headings, escapes)."""
    lines = []
    for line in paragraph.split("\n"):
        line = line.strip()
        line = re.sub(r"^#+\s+", "", line)
        # an escaped star is the ornament; other stars are bold or italic marks
        line = "*" if line == "\\*" else re.sub(r"^\*+|\*+$", "", line)
        lines.append(line.strip())
    return lines


def index_of(paragraphs: list[str], start: str, after: int = -1) -> int:
    for i, p in enumerate(paragraphs):
        if i > after and p.startswith(start):
            return i
    raise AssertionError(f"the scan has no paragraph starting {start!r}")


def seed_prose() -> list[str]:
    """The running text of the scan: the publisher's note and the May 7 letter's body.

    The publisher's note begins with the first paragraph after the CONTENTS entries;
    the letter's body begins at its salutation. Between them come the letter's
    heading, dateline and addressee, which the source holds in the part's header.
    """
    paras = seed_paragraphs()
    contents = index_of(paras, "## CONTENTS")
    note = contents + 2  # the heading, then the block of entries
    assert "\t" in paras[contents + 1], "the block after CONTENTS should be the entries"
    heading = index_of(paras, "**LETTER OF THE", after=note)
    salutation = index_of(paras, "Dear Comrades,", after=heading)
    return paras[note:heading] + paras[salutation:]


def page_breaks() -> list[tuple[str, str]]:
    """Each pair of prose paragraphs the scan split where a printed page ended."""
    prose = seed_prose()
    breaks = []
    for first, then in itertools.pairwise(prose):
        if first.startswith("**") or then.startswith("**") or DATELINE.match(first):
            continue
        if not first.rstrip().endswith(TERMINAL):
            breaks.append((first, then))
    return breaks


# --- reading the source -------------------------------------------------------


def book() -> dict:
    return yaml.safe_load((SOURCE / "book.yaml").read_text(encoding="utf-8"))


def split_part(path: Path) -> tuple[dict, str]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    text = raw.decode("utf-8")
    assert text.endswith("\n"), f"{path.name} lacks a final newline"
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    assert match, f"{path.name} does not start with a YAML header between --- lines"
    return yaml.safe_load(match[1]), match[2]


def parts() -> list[tuple[dict, str]]:
    return [split_part(SOURCE / name) for name in book()["text"]]


def without_editorial(body: str) -> str:
    return EDITORIAL.sub("", body)


def source_paragraphs() -> list[str]:
    paras: list[str] = []
    for _, body in parts():
        paras += [p.strip() for p in re.split(r"\n\s*\n", without_editorial(body)) if p.strip()]
    return paras


def words(text: str) -> list[str]:
    return [w for w in (w.replace("*", "") for w in text.split()) if w]


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


def blocks_from(start: str, count: int, occurrence: int) -> list[list[str]]:
    paras = seed_paragraphs()
    at = -1
    for _ in range(occurrence):
        at = index_of(paras, start, after=at)
    return [plain_lines(p) for p in paras[at : at + count]]


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


def seed_contents() -> list[str]:
    """The contents entries in the scan's order, and the displaced entry last."""
    paras = seed_paragraphs()
    contents = index_of(paras, "## CONTENTS")
    entries = [line.split("\t")[0].strip() for line in paras[contents + 1].split("\n")]
    displaced = " ".join(plain_lines(paras[contents - 1]))
    assert displaced.startswith("LETTER OF THE CENTRAL COMMITTEE")
    return [*entries, displaced]


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
