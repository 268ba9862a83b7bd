"""One pagination for both editions (issue 5), proved on Seven Letters and on a generated
book of 300+ pages: every page-break marker in the EPUB stands where the PDF's page
begins, read back from both files with a text extractor (pdfium's) and an XML parser."""

from __future__ import annotations

import functools
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
from lxml import etree

from publish.build.pipeline import build
from publish.checks.ace import run_ace
from publish.checks.epubcheck import run_epubcheck

from .conftest import EPOCH
from .readback import MM, NS, Epub, contents_entries, letters, outline
from .samples import generate_book

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
COMPARED = 24  # letters and digits compared after each marker


@dataclass
class Built:
    epub: Path
    pdf: Path
    pages_json: Path
    top_mm: float
    bottom_mm: float


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Built:
    source = generate_book(tmp_path_factory.mktemp("generated-source"), parts=42,
                           words_per_part=1600)
    out = tmp_path_factory.mktemp("generated")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    build(source, out)
    return Built(out / "generated.epub", out / "generated.pdf", out / "generated.pages.json",
                 15, 16)


@pytest.fixture(scope="session", params=["seven-letters", "generated"])
def book(request: pytest.FixtureRequest, seven_letters: Path) -> Built:
    if request.param == "generated":
        built: Built = request.getfixturevalue("generated")
        return built
    return Built(seven_letters / "seven-letters.epub", seven_letters / "seven-letters.pdf",
                 seven_letters / "seven-letters.pages.json", 15, 16)


# --- reading the EPUB: its text in reading order, with the markers' places ---------------


@dataclass
class Reading:
    text: str  # the spine's text in order
    markers: dict[str, int]  # marker label -> position in `text`
    anchors: dict[tuple[str, str], int]  # (file, id) -> position in `text`


def read_epub(epub: Epub) -> Reading:
    pieces: list[str] = []
    length = 0
    markers: dict[str, int] = {}
    anchors: dict[tuple[str, str], int] = {}

    def walk(element: Any, name: str) -> None:
        nonlocal length
        if element.get("id"):
            anchors[(name, element.get("id"))] = length
        if "unprinted" in (element.get("class") or "").split():
            return  # a heading for navigation only: a reader sees it in neither edition
        if element.get("id"):
            anchors[(name, element.get("id"))] = length
        if element.get(EPUB_TYPE) == "pagebreak":
            markers[element.get("aria-label")] = length
        for text in [element.text] if element.text else []:
            pieces.append(text)
            length += len(text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child, name)
            if child.tail:
                pieces.append(child.tail)
                length += len(child.tail)
        if etree.QName(element).localname in ("p", "h1", "h2", "h3", "li", "br"):
            pieces.append(" ")
            length += 1

    for name in epub.spine():
        walk(epub.xml(name).xpath("//x:body", namespaces=NS)[0], name)
    return Reading("".join(pieces), markers, anchors)


def page_list(epub: Epub) -> list[tuple[str, str]]:
    nav = epub.xml(epub.nav_path())
    return [("".join(a.itertext()), a.get("href"))
            for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]


def pdf_page_texts(built: Built) -> list[str]:
    """Each page's text inside the text area: no running head, no folio."""
    return _page_texts(built.pdf, built.top_mm, built.bottom_mm)


@functools.cache
def _page_texts(path: Path, top_mm: float, bottom_mm: float) -> list[str]:
    """The text pdfium finds between the page's top and bottom margins. pdfium writes a
    hyphen that ends a line as U+0002 and joins the lines there; `letters` drops both."""
    out = []
    pdf = pypdfium2.PdfDocument(path)
    try:
        for page in pdf:
            left, bottom, right, top = page.get_bbox()
            text = page.get_textpage().get_text_bounded(left, bottom + bottom_mm * MM, right,
                                                       top - top_mm * MM)
            out.append(text.replace("\r\n", "\n"))
    finally:
        pdf.close()
    return out


def pdf_labels(built: Built) -> list[str]:
    with pikepdf.open(built.pdf) as pdf:
        return [page.label for page in pdf.pages]


# --- the tests ---------------------------------------------------------------------------


def test_the_page_list_has_every_printed_page_in_order(book: Built) -> None:
    epub = Epub(book.epub)
    entries = page_list(epub)
    assert [label for label, _ in entries] == pdf_labels(book)
    for label, href in entries:
        name = epub.resolve(href, epub.nav_path())
        fragment = href.partition("#")[2]
        assert epub.xml(name).xpath(f"//*[@id='{fragment}']"), f"page {label}: {href}"
    reading = read_epub(epub)
    positions = [reading.markers[label] for label, _ in entries]
    assert positions == sorted(positions), "the markers are not in reading order"


def test_each_marker_stands_where_its_printed_page_begins(book: Built) -> None:
    reading = read_epub(Epub(book.epub))
    checked = 0
    for label, text in zip(pdf_labels(book), pdf_page_texts(book), strict=True):
        printed = letters(text)[:COMPARED]
        if not printed:
            continue  # a blank page: its marker is checked for order above
        after = letters(reading.text[reading.markers[label]:])[:len(printed)]
        assert after == printed, f"page {label}: EPUB has {after!r}, PDF has {printed!r}"
        checked += 1
    assert checked >= len(reading.markers) // 2


def contents_numbers(built: Built) -> list[str]:
    """The page numbers the printed contents give, in order: its pages are the front-matter
    pages from the one headed CONTENTS on."""
    lines: list[str] = []
    for label, text in zip(pdf_labels(built), pdf_page_texts(built), strict=True):
        if not re.fullmatch(r"[ivxlc]+", label):
            break
        page = text.splitlines()
        if page and page[0].strip() == "CONTENTS":
            lines, page = [], page[1:]
            lines += page
        elif lines:
            lines += page
    return [number for _, number in contents_entries(lines)]


def outline_pages(built: Built) -> list[str]:
    return [label for _, label in outline(built.pdf)]


def toc_pages(built: Built) -> list[str]:
    """The printed page each top-level toc entry of the EPUB falls on: the last marker
    before the place it links to."""
    epub = Epub(built.epub)
    reading = read_epub(epub)
    nav = epub.xml(epub.nav_path())
    pages = []
    for a in nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a", namespaces=NS):
        name = epub.resolve(a.get("href"), epub.nav_path())
        at = reading.anchors[(name, a.get("href").partition("#")[2])]
        pages.append(max((p, label) for label, p in reading.markers.items() if p <= at)[1])
    return pages


def test_contents_outline_and_toc_agree_on_where_each_part_starts(book: Built) -> None:
    contents = contents_numbers(book)
    assert contents, "no contents numbers read"
    assert outline_pages(book) == contents
    toc = toc_pages(book)
    # the EPUB toc lists every part; the printed contents may leave some out (a preface)
    assert toc[-len(contents):] == contents


def test_the_page_map_file(book: Built) -> None:
    data = json.loads(book.pages_json.read_text(encoding="utf-8"))
    assert [p["label"] for p in data["pages"]] == pdf_labels(book)
    texts = pdf_page_texts(book)
    for page in data["pages"]:
        if page["first_words"]:
            assert letters(texts[page["index"]]).startswith(letters(page["first_words"]))


# --- what the generated book must exercise -----------------------------------------------


def test_the_generated_book_is_big_nested_and_awkward(generated: Built) -> None:
    labels = pdf_labels(generated)
    assert len(labels) >= 300
    epub = Epub(generated.epub)
    nav = epub.xml(epub.nav_path())
    assert len(nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li", namespaces=NS)) >= 40
    assert nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:ol/x:li/x:ol/x:li",
                     namespaces=NS), "no h3 in the toc"
    data = json.loads(generated.pages_json.read_text(encoding="utf-8"))["pages"]
    assert any(p["offset"] > 0 for p in data), "no paragraph crosses a page"
    texts = pdf_page_texts(generated)
    hyphenated = [n for n in range(1, len(texts)) if texts[n - 1].rstrip().endswith("\u2010")
                  and data[n]["offset"] > 0]
    assert hyphenated, "no word hyphenated across a page break"
    after_blank = [n for n in range(1, len(texts)) if not texts[n - 1].strip()
                   and texts[n].lstrip().startswith("LETTER NUMBER")]
    assert after_blank, "no part starts after a blank page"


def test_the_generated_epub_passes_epubcheck_and_ace(generated: Built, tmp_path: Path) -> None:
    # side by side: each waits on its own processes (Java; node and chromium)
    with ThreadPoolExecutor(max_workers=2) as pool:
        epubcheck = pool.submit(run_epubcheck, generated.epub)
        ace = pool.submit(run_ace, generated.epub, tmp_path)
        assert [str(f) for f in epubcheck.result()] == []
        assert [str(f) for f in ace.result()] == []
