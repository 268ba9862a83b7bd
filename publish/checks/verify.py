"""The checks of `publish check` that no outside validator makes: glyph coverage, the
navigation, one pagination across both editions, and the catalogue records.

Each takes the written files and returns Findings (`checks/__init__.py`), [] when it
passes; the editions are read back with readback.py, as a reader's tools read them.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from fontTools.ttLib import TTFont
from lxml import etree

from publish.checks import Finding
from publish.checks.readback import (
    Epub,
    Link,
    PdfPage,
    Reading,
    contents_numbers,
    letters,
    nav_links,
    pdf_outline,
    read_epub,
)
from publish.errors import SourceError
from publish.resources import SCHEMAS
from publish.source.fonts import Face, check_coverage
from publish.source.markup import plain_text
from publish.source.model import Book, mm

MARC_SCHEMA = SCHEMAS / "MARC21slim.xsd"
COMPARED = 24  # letters compared after each page-break marker
_UNDRAWN = set(" \n\r\t\u00a0\u00ad\u200b")  # spaces and breaks: no glyph is drawn


def _error(check: str, code: str, message: str, location: str = "") -> Finding:
    return Finding(check, "error", code, message, location)


def glyphs(book: Book, faces: list[Face], epub_path: Path) -> list[Finding]:
    """Every character of the source has a shipped face, and every character of the EPUB's
    text a face inside the EPUB (its fonts are subsets: a character left out of them would
    fall back to whatever font the reading system has)."""
    try:
        check_coverage(book, faces)
    except SourceError as error:
        return [_error("glyphs", error.code, error.message, error.location())]
    findings = []
    with Epub(epub_path) as epub:
        covered: set[int] = set()
        for name in epub.manifest().values():
            if name.endswith((".ttf", ".otf", ".woff", ".woff2")) and epub.has(name):
                with TTFont(io.BytesIO(epub.zip.read(name)), lazy=True) as font:
                    covered.update(font.getBestCmap())
        for name in epub.spine():
            text = "".join(str(t) for t in epub.xml(name).itertext())
            missing = sorted({c for c in text if ord(c) not in covered} - _UNDRAWN)
            if missing:
                shown = ", ".join(f"U+{ord(c):04X}" for c in missing[:8])
                findings.append(_error("glyphs", "V-EPUB-GLYPH", f"{len(missing)} character(s) "
                                       f"no font of the EPUB has: {shown}", name))
    return findings


def navigation(epub_path: Path) -> list[Finding]:
    """Every link of the toc, the landmarks, the page-list and the NCX leads to a file of
    the spine and to an id in it."""
    findings = []
    with Epub(epub_path) as epub:
        spine = set(epub.spine())
        ids: dict[str, set[str]] = {}
        for link in nav_links(epub):
            where = f"{link.kind}: {link.label}"
            if link.name not in spine or not epub.has(link.name):
                findings.append(_error("navigation", "V-NAV-LINK", f"'{link.href}' leads to no "
                                       "file of the spine", where))
                continue
            if link.name not in ids:
                ids[link.name] = {str(i) for i in epub.xml(link.name).xpath("//@id")}
            if link.fragment and link.fragment not in ids[link.name]:
                findings.append(_error("navigation", "V-NAV-LINK", f"'{link.href}': no element "
                                       f"has the id '{link.fragment}'", where))
    return findings


def page_references(book: Book, epub_path: Path, pdf_path: Path, pages: list[PdfPage],
                    page_map: Path) -> list[Finding]:
    """One pagination in both editions: the page-list is the PDF's labels in reading order,
    each marker is followed by the words its printed page begins with, the printed contents
    gives the pages the PDF's bookmarks and the EPUB's toc lead to, and the page map agrees.
    `pages`: the PDF's pages read with readback.pdf_pages."""
    labels = [page.label for page in pages]
    with Epub(epub_path) as epub:
        reading = read_epub(epub)
        links = nav_links(epub)
    listed = [link.label for link in links if link.kind == "page-list"]
    findings = []
    if listed != labels:
        findings.append(_error("pages", "V-PAGE-LIST", f"the page-list has {len(listed)} "
                               f"labels, the PDF {len(labels)}: first difference "
                               f"{_first_difference(listed, labels)}"))
    positions = [reading.markers[label] for label in listed if label in reading.markers]
    if positions != sorted(positions) or len(positions) != len(listed):
        findings.append(_error("pages", "V-PAGE-ORDER", "the page-break markers are not all "
                               "present in reading order"))
    headers = [_words(h) for h in reading.headers if _words(h)]
    for page in pages:
        printed = _words(page.opening or page.text)
        after = _words(reading.text[reading.markers.get(page.label, 0):])
        # A table's header row repeated at the top of the page: the EPUB has it once.
        repeated = next((h for h in headers if printed.startswith(h)
                         and not after.startswith(h)), "")
        printed = printed[len(repeated):][:COMPARED]
        if not printed or page.label not in reading.markers:
            continue  # a blank page; a missing marker is V-PAGE-ORDER's
        after = after[:len(printed)]
        if after != printed:
            findings.append(_error("pages", "V-PAGE-START", f"the EPUB's marker is followed by "
                                   f"'{after}', the printed page begins '{printed}'",
                                   f"page {page.label}"))
    findings += _contents(book, pdf_path, pages, reading, links)
    findings += _page_map(page_map, pages, headers)
    return findings


def _contents(book: Book, pdf_path: Path, pages: list[PdfPage], reading: Reading,
              links: list[Link]) -> list[Finding]:
    """The contents' numbers = the outline's target pages = the pages the toc leads to."""
    # The printed contents lists parts only, and not those left out of it (`in_contents:
    # false`: a preface, a note at the end), wherever they stand; a part's chapters under
    # it, as the bookmarks hold them one level down.
    titles = [plain_text(part.header.title) for part in book.parts if part.header.listed]
    contents = contents_numbers(pages, plain_text(book.meta.contents_heading), titles)
    grouped = any(part.group for part in book.parts)
    outline = [label for title, label in pdf_outline(pdf_path, 2 if grouped else 1)
               if not grouped or title in titles]
    findings = []
    if len(contents) < len(titles):
        findings.append(_error("pages", "V-CONTENTS", f"the printed contents gives the pages "
                               f"of {len(contents)} of its {len(titles)} entries: the next "
                               f"does not read '{titles[len(contents)]}' and a page number"))
    if not contents or outline != contents:
        findings.append(_error("pages", "V-CONTENTS", f"the printed contents gives pages "
                               f"{contents}, the PDF's bookmarks lead to {outline}"))
    # The EPUB's toc lists every part, and under each its sections (##, ###).
    listed = {part.id for part in book.parts if part.header.listed}
    toc_pages = []
    for link in links:
        if link.kind != "toc" or link.fragment not in listed:
            continue
        at = reading.anchors.get((link.name, link.fragment))
        before = [(p, label) for label, p in reading.markers.items() if at is not None and p <= at]
        toc_pages.append(max(before)[1] if before else "?")
    if contents and toc_pages != contents:
        findings.append(_error("pages", "V-CONTENTS", f"the EPUB's toc leads to pages "
                               f"{toc_pages}, the printed contents gives {contents}"))
    return findings


def _page_map(path: Path, pages: list[PdfPage], headers: list[str]) -> list[Finding]:
    """dist/<slug>.pages.json: the PDF's labels, each page's first words."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["pages"]
    except (OSError, ValueError, KeyError) as error:
        return [_error("pages", "V-PAGE-MAP", f"cannot read the page map: {error}", path.name)]
    if [p.get("label") for p in data] != [page.label for page in pages]:
        return [_error("pages", "V-PAGE-MAP", "its labels are not the PDF's", path.name)]
    return [_error("pages", "V-PAGE-MAP", f"says the page begins '{p['first_words']}'",
                   f"{path.name}: page {p['label']}") for p in data
            # without digits: a note's call is drawn in the line, not among its words
            if p.get("first_words") and not any(
                text.startswith(_words(p["first_words"]))
                for text in _readings(_words(pages[p["index"]].text), headers))]


def _readings(printed: str, headers: list[str]) -> list[str]:
    """A page's letters, and without a table's header row that the page repeats at its
    top (a table that goes on from the page before)."""
    return [printed, *(printed[len(h):] for h in headers if printed.startswith(h))]


# A contents line's leader and roman page number ("Vorwort . . . . v"): the EPUB's contents
# has no numbers, and roman ones are letters.
_ROMAN_FOLIO = re.compile(r"\.[ .]*\.\s*[ivxlcdm]+\s*$", re.MULTILINE)


def _words(text: str) -> str:
    """The letters only: line breaks, hyphens and spaces differ between the editions, and
    so do digits, where the printed contents has page numbers that the EPUB's has not."""
    return "".join(c for c in letters(_ROMAN_FOLIO.sub("", text)) if not c.isdigit())


def _first_difference(a: list[str], b: list[str]) -> str:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"at position {index + 1}: {x!r} against {y!r}"
    return f"after position {min(len(a), len(b))}"


def text_area(book: Book) -> tuple[float, float]:
    """The top and bottom margins in mm: the running heads and folios stand in them."""
    margins = book.meta.print.margins
    return mm(margins.top), mm(margins.bottom)


def onix(path: Path) -> list[Finding]:
    """The ONIX 3.0 message against EDItEUR's XSD and RELAX NG schemas (onixcheck)."""
    import onixcheck  # type: ignore[import-untyped]  # slow to import; only check needs it

    return [_error("onix", "V-ONIX", " ".join(str(m.message).split()),
                   str(m.location).replace(str(path), path.name))
            for m in onixcheck.validate(str(path), schemas=("xsd", "rng"))]


def marcxml(path: Path) -> list[Finding]:
    """The MARCXML records against the Library of Congress schema shipped in schemas/."""
    schema = etree.XMLSchema(etree.parse(str(MARC_SCHEMA)))
    try:
        document = etree.parse(str(path))
    except etree.XMLSyntaxError as error:
        return [_error("marcxml", "V-MARCXML", f"not well-formed XML: {error}", path.name)]
    if schema.validate(document):
        return []
    return [_error("marcxml", "V-MARCXML", entry.message, f"{path.name}:{entry.line}")
            for entry in schema.error_log]
