"""The scanned book, read as the tests need it: a copy of ../shared/seed kept in tests/seed.

Expectations are derived from the scan here, never copied out of the editions.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

SEED = Path(__file__).parent / "seed" / "000_053b15a79672fe52.txt"
# A paragraph that ends with one of these has ended; any other ending is a page break.
TERMINAL = tuple('.!?:;,\u201d"')
DATELINE = re.compile(r"^[A-Z][a-z]+ \d{1,2}, \d{4}$")


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


def blocks_from(start: str, count: int, occurrence: int) -> list[list[str]]:
    paras = seed_paragraphs()
    at = -1
    for _ in range(occurrence):
        at = index_of(paras, start, after=at)
    return [plain_lines(p) for p in paras[at : at + count]]


def seed_contents() -> list[str]:
    """The contents entries in the scan's order, and the displaced entry last."""
    paras = seed_paragraphs()
    contents = index_of(paras, "## CONTENTS")
    entries = [line.split("\t")[0].strip() for line in paras[contents + 1].split("\n")]
    displaced = " ".join(plain_lines(paras[contents - 1]))
    assert displaced.startswith("LETTER OF THE CENTRAL COMMITTEE")
    return [*entries, displaced]


def words(text: str) -> list[str]:
    return [w for w in (w.replace("*", "") for w in text.split()) if w]
