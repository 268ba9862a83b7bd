"""Both editions of Seven Letters say what the scan says (issue 2): read back from the
built EPUB and PDF, and compared with the scan itself (tests/seed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from .readback import NS, Epub, contents_entries, letters, pdf_lines, pdf_paragraphs, text_lines
from .scan import (
    blocks_from,
    index_of,
    page_breaks,
    plain_lines,
    seed_contents,
    seed_paragraphs,
    seed_prose,
)

# The margins of source/book.yaml: the text area is inside them, the running heads outside.
TOP_MM, BOTTOM_MM = 15, 16


@pytest.fixture(scope="module")
def epub(seven_letters: Path) -> Epub:
    return Epub(seven_letters / "seven-letters.epub")


@pytest.fixture(scope="module")
def pdf(seven_letters: Path) -> Path:
    return seven_letters / "seven-letters.pdf"


def epub_paragraphs(epub: Epub) -> list[str]:
    """The running text of the EPUB: every paragraph of every part, editorial notes apart."""
    out = []
    for name in epub.spine():
        page = epub.xml(name)
        query = ("//x:section[contains(@class, 'part')]"
                 "//x:p[not(ancestor::x:div[@class='editorial'])]")
        out += ["".join(p.itertext()) for p in page.xpath(query, namespaces=NS)]
    return out


def pdf_body_paragraphs(pdf: Path) -> list[str]:
    return pdf_paragraphs(pdf_lines(pdf, TOP_MM, BOTTOM_MM))


def assert_in_order(seed: list[str], edition: list[str]) -> None:
    """Every scanned paragraph's words stand in the edition, whole and in order."""
    text = letters(" ".join(edition))
    at = 0
    for paragraph in seed:
        wanted = letters(paragraph.replace("*", ""))
        found = text.find(wanted, at)
        assert found >= 0, f"missing or out of order: {paragraph[:80]!r}"
        at = found + len(wanted)


def test_the_epub_has_every_word_of_the_scan_in_order(epub: Epub) -> None:
    assert_in_order(seed_prose(), epub_paragraphs(epub))


def test_the_pdf_has_every_word_of_the_scan_in_order(pdf: Path) -> None:
    assert_in_order(seed_prose(), pdf_body_paragraphs(pdf))


@pytest.mark.parametrize("edition", ["epub", "pdf"])
def test_no_paragraph_ends_where_the_scan_broke_a_page(
        edition: str, epub: Epub, pdf: Path) -> None:
    paragraphs = epub_paragraphs(epub) if edition == "epub" else pdf_body_paragraphs(pdf)
    streams = [letters(p) for p in paragraphs]
    breaks = page_breaks()
    assert breaks, "the scan should have paragraphs split at page breaks"
    for first, then in breaks:
        # the end of the first half and the start of the second, in one paragraph
        joint = letters(" ".join(first.split()[-4:] + then.split()[:4]))
        assert any(joint in stream for stream in streams), f"split at: {first[-40:]!r}"


def test_epub_cover_title_page_and_imprint_lines_are_the_scans(epub: Epub) -> None:
    """The EPUB opens on the cover as printed (the package's cover image), whose alt text
    reads the cover's lines; then the title page and imprint, line for line."""
    cover = epub.page("cover.xhtml")
    (image,) = cover.xpath("//x:img", namespaces=NS)
    (href,) = epub.opf.xpath("//opf:item[contains(@properties, 'cover-image')]/@href",
                             namespaces=NS)
    cover_file = next(n for n in epub.spine() if n.endswith("cover.xhtml"))
    assert epub.resolve(image.get("src"), cover_file) == epub.resolve(href)
    assert image.get("alt") == ". ".join(
        " ".join(block) for block in blocks_from("**SEVEN LETTERS", 2, 1))
    assert text_lines(cover) == []  # nothing but the picture
    assert text_lines(epub.page("titlepage.xhtml")) == [
        line for block in blocks_from("**SEVEN LETTERS", 2, 2) for line in block]
    assert text_lines(epub.page("imprint.xhtml")) == seed_imprint()


def seed_imprint() -> list[str]:
    paras = seed_paragraphs()
    first = index_of(paras, "# ")
    last = index_of(paras, "*Printed", after=first)
    return [typeset(line) for p in paras[first:last + 1] for line in plain_lines(p)]


def typeset(line: str) -> str:
    """The scan's straight apostrophe as the editions set it."""
    return line.replace("'", "\u2019")


def test_pdf_title_page_and_imprint_lines_are_the_scans(pdf: Path) -> None:
    title_page = [line.text for line in pdf_lines(pdf, pages=range(0, 1))]
    assert title_page == [line for b in blocks_from("**SEVEN LETTERS", 2, 2) for line in b]
    imprint = [line.text for line in pdf_lines(pdf, pages=range(1, 2))]
    assert imprint == seed_imprint()


def test_the_print_cover_front_is_the_scans_cover(seven_letters: Path) -> None:
    """The front panel (the spread's right half, past the back and the spine) line for line;
    the back carries the description."""
    cover = seven_letters / "seven-letters-cover.pdf"
    with pikepdf.open(cover) as document:
        box = [float(v) for v in document.pages[0].obj.MediaBox]
    width, height = box[2] - box[0], box[3] - box[1]
    half = round(width / 2)  # the front panel and some of the spine: no text of the back
    text = subprocess.run(["pdftotext", "-x", str(half), "-y", "0", "-W", str(half),
                           "-H", str(round(height)), str(cover), "-"],
                          capture_output=True, text=True, check=True).stdout
    front = [line.strip() for line in text.splitlines() if line.strip()]
    assert front == [line for block in blocks_from("**SEVEN LETTERS", 2, 1) for line in block]


def test_the_epub_contents_list_the_letters_in_the_original_order(epub: Epub) -> None:
    page = epub.page("contents.xhtml")
    entries = ["".join(a.itertext()) for a in page.xpath("//x:li/x:a", namespaces=NS)]
    assert entries == seed_contents()


def test_the_pdf_contents_list_the_letters_in_the_original_order(pdf: Path) -> None:
    lines = [line.text for line in pdf_lines(pdf, pages=range(2, 3))]
    assert lines[0] == "CONTENTS"
    assert [title for title, _ in contents_entries(lines[1:])] == seed_contents()
