"""Read the built editions back as a reader's tools would: the EPUB as a zip of XML files,
the PDF's text, page labels and outline through pdfium and qpdf.

`publish check` compares what these readers see (verify.py), and `publish proof` finds the
places to show with them. Nothing here imports a writer: a check that read the editions
with the code that wrote them would only prove that the code agrees with itself.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pikepdf
import pypdfium2
from lxml import etree

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "epub": "http://www.idpf.org/2007/ops", "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
PT_PER_MM = 72 / 25.4


def letters(text: str) -> str:
    """Only the letters and digits, lower case: what survives any line breaking."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


# --- EPUB -----------------------------------------------------------------------------


class Epub:
    """An EPUB opened as a zip: its package document, spine and navigation."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = self.xml("META-INF/container.xml")
        self.opf_path = str(container.xpath("//*[local-name()='rootfile']/@full-path")[0])
        self.opf = self.xml(self.opf_path)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Epub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.zip.read(name))

    def has(self, name: str) -> bool:
        return name in self.zip.NameToInfo

    def resolve(self, href: str, base: str | None = None) -> str:
        """The zip name that `href`, written in file `base` (default the package), means."""
        folder = PurePosixPath(base or self.opf_path).parent
        parts: list[str] = []
        for piece in (folder / href.split("#")[0]).parts:
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)

    def manifest(self) -> dict[str, str]:
        """Manifest id -> zip name."""
        return {str(i.get("id")): self.resolve(str(i.get("href")))
                for i in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}

    def spine(self) -> list[str]:
        items = self.manifest()
        return [items[str(ref)] for ref in
                self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)]

    def nav_path(self) -> str:
        href = self.opf.xpath("//opf:item[contains(@properties, 'nav')]/@href", namespaces=NS)
        return self.resolve(str(href[0]))

    def ncx_path(self) -> str | None:
        href = self.opf.xpath("//opf:item[@media-type='application/x-dtbncx+xml']/@href",
                              namespaces=NS)
        return self.resolve(str(href[0])) if href else None


@dataclass(frozen=True)
class Link:
    """A link of the navigation: which list holds it (toc, landmarks, page-list, ncx)."""

    kind: str
    label: str
    href: str
    name: str  # the zip name it leads to
    fragment: str


def nav_links(epub: Epub) -> list[Link]:
    """Every link of the navigation document's lists and of the NCX, in order."""
    nav_path = epub.nav_path()
    out = []
    for nav in epub.xml(nav_path).xpath("//x:nav", namespaces=NS):
        kind = str(nav.get(EPUB_TYPE) or "nav")
        for a in nav.xpath(".//x:a[@href]", namespaces=NS):
            href = str(a.get("href"))
            out.append(Link(kind, " ".join("".join(a.itertext()).split()), href,
                            epub.resolve(href, nav_path), href.partition("#")[2]))
    ncx = epub.ncx_path()
    if ncx is not None:
        for point in epub.xml(ncx).xpath("//ncx:navPoint", namespaces=NS):
            href = str(point.xpath("string(ncx:content/@src)", namespaces=NS))
            label = str(point.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS))
            out.append(Link("ncx", label, href, epub.resolve(href, ncx), href.partition("#")[2]))
    return out


def page_places(path: Path) -> dict[str, str]:
    """The EPUB's page-list: each printed label and where it leads (`text/part-02.xhtml#page-4`)."""
    with Epub(path) as epub:
        return {link.label: f"{link.name}#{link.fragment}" for link in nav_links(epub)
                if link.kind == "page-list"}


@dataclass
class Reading:
    text: str  # the spine's text in reading order
    markers: dict[str, int]  # page-break label -> position in `text`
    anchors: dict[tuple[str, str], int]  # (zip name, id) -> position in `text`
    # The text of each table's header row, which a printed page repeats at its top when
    # the table goes on from the page before.
    headers: tuple[str, ...] = ()


def read_epub(epub: Epub) -> Reading:
    """The text a reader reads, with where each page-break marker and id stands in it."""
    pieces: list[str] = []
    length = 0
    markers: dict[str, int] = {}
    anchors: dict[tuple[str, str], int] = {}
    headers: list[str] = []

    def add(text: str) -> None:
        nonlocal length
        pieces.append(text)
        length += len(text)

    def walk(element: etree._Element, name: str) -> None:
        if element.get("id"):
            anchors[(name, str(element.get("id")))] = length
        if "unprinted" in (element.get("class") or "").split():
            return  # a heading for navigation only: a reader sees it in neither edition
        if element.get(EPUB_TYPE) == "pagebreak":
            markers[str(element.get("aria-label"))] = length
        if etree.QName(element).localname == "thead":
            headers.append("".join(element.itertext()))
        if element.text:
            add(element.text)
        for child in element:
            if isinstance(child.tag, str):
                walk(child, name)
            if child.tail:
                add(child.tail)
        if etree.QName(element).localname in ("p", "h1", "h2", "h3", "li", "br"):
            add(" ")

    for name in epub.spine():
        walk(epub.xml(name).xpath("//x:body", namespaces=NS)[0], name)
    return Reading("".join(pieces), markers, anchors, tuple(headers))


# --- PDF ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfPage:
    index: int
    label: str
    text: str  # the text inside the text area: no running head, no folio
    # What the page begins with: its text up to the first line set smaller than its first
    # (the notes at its foot, where its own text is a line or two); "" where not read.
    opening: str = ""


def pdf_pages(path: Path, top_mm: float, bottom_mm: float) -> list[PdfPage]:
    """Each page's label and the text between the top and bottom margins of its trim."""
    pages = []
    document = pypdfium2.PdfDocument(path)
    try:
        for index in range(len(document)):
            page = document[index]
            left, bottom, right, top = page.get_trimbox()
            textpage = page.get_textpage()
            low, high = bottom + bottom_mm * PT_PER_MM, top - top_mm * PT_PER_MM
            text = textpage.get_text_bounded(left, low, right, high)
            label = document.get_page_label(index) or ""
            pages.append(PdfPage(index, label, str(text).replace("\r\n", "\n"),
                                 _opening(textpage, low, high)))
    finally:
        document.close()
    return pages


@dataclass(frozen=True)
class PlacedImage:
    """An image drawn on a page of a PDF: where, how large (points), of how many pixels."""

    page: int
    label: str
    size_pt: tuple[float, float]
    pixels: tuple[int, int]


def pdf_images(path: Path) -> list[PlacedImage]:
    """Every image the PDF's pages draw, in page order and, on a page, in drawing order."""
    out: list[PlacedImage] = []
    document = pypdfium2.PdfDocument(path)
    try:
        for index in range(len(document)):
            page = document[index]
            label = document.get_page_label(index) or ""
            for found in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = found.get_bounds()
                width, height = found.get_px_size()
                out.append(PlacedImage(index, label, (right - left, top - bottom),
                                       (width, height)))
    finally:
        document.close()
    return out


_OPENING = 80  # letters: more than a page's start is compared with
_SMALLER = 0.85  # a line set below this share of the first line's size: the notes


def _opening(textpage: pypdfium2.PdfTextPage, low: float, high: float) -> str:
    """The page's text from its top, line by line, until a line set smaller than the first
    (by the size of its largest letter) or _OPENING letters. A line ends where the text
    goes below its baseline (a raised note call or superscript does not end it)."""
    out: list[str] = []
    first = current = 0.0
    line: list[str] = []
    baseline: float | None = None
    letters_seen = 0
    x, y = ctypes.c_double(), ctypes.c_double()
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        pypdfium2.raw.FPDFText_GetCharOrigin(textpage.raw, index, x, y)
        if not low <= y.value <= high or not char.strip():
            if baseline is not None:
                line.append(char)
            continue
        size = pypdfium2.raw.FPDFText_GetFontSize(textpage.raw, index)
        if baseline is not None and y.value < baseline - size / 2:  # a line below
            if first and 0 < current < first * _SMALLER:
                return "".join(out)
            out.append("".join(line))
            first, line, current, baseline = first or current, [], 0.0, None
            if letters_seen >= _OPENING:
                return "".join(out)
        if baseline is None or y.value < baseline:
            baseline = y.value
        if char.isalnum():
            current = max(current, size)
            letters_seen += 1
        line.append(char)
    if not (first and 0 < current < first * _SMALLER):
        out.append("".join(line))
    return "".join(out)


def pdf_outline(path: Path, depth: int = 1) -> list[tuple[str, str]]:
    """The PDF's bookmarks down to `depth` levels, in order: (title, label of the page
    each points at)."""
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        out: list[tuple[str, str]] = []

        def walk(items: Iterable[pikepdf.OutlineItem], level: int) -> None:
            for item in items:
                destination = item.destination
                target = ""
                if isinstance(destination, pikepdf.Array) and len(destination):
                    number = index.get(destination[0].objgen)
                    target = str(pdf.pages[number].label) if number is not None else ""
                out.append((str(item.title), target))
                if level < depth:
                    walk(item.children, level + 1)

        with pdf.open_outline() as tree:
            walk(tree.root, 1)
    return out


FOLIO = re.compile(r"[0-9]+|[ivxlcdm]+")  # a printed page number, as letters() reads it


def contents_numbers(pages: list[PdfPage], heading: str, titles: list[str]) -> list[str]:
    """The page number the printed contents gives to each of `titles` (the entries it
    should hold, in order), as far as it gives them. Its pages are the front matter (roman
    labels) from the one that begins with the contents heading on. An entry is read by
    its title's letters, then the number that ends the entry's last line: not by the
    shape of a leader, since a line of a long title may end in a number of the title
    ("... OF 1917"), and a title that fills its last line leaves no room for dots, nor
    always a space ("... AFTER IT9"). Reading stops at an entry that is not the next
    title with its number; text after the last entry, on its page, is one more entry
    ("?")."""
    lines: list[tuple[int, str]] | None = None
    for page in pages:
        if not re.fullmatch(r"[ivxlcdm]+", page.label):
            break
        text = [line.strip() for line in page.text.splitlines() if line.strip()]
        if text and text[0] == heading:
            lines = [(page.index, line) for line in text[1:]]
        elif lines is not None:
            lines += [(page.index, line) for line in text]
    numbers: list[str] = []
    entry, last_page = "", None
    for index, line in lines or []:
        if len(numbers) == len(titles):
            if index == last_page:
                numbers.append("?")
            break
        entry += letters(line)
        title = letters(titles[len(numbers)])
        if not title.startswith(entry[:len(title)]):
            break  # not the title expected
        number = entry[len(title):]
        if not number:
            continue  # the title goes on, or its number is on the next line
        if not (FOLIO.fullmatch(number) and letters(line).endswith(number)
                and line[-1].isalnum()):
            break  # a title followed by more than its number
        numbers.append(number)
        entry, last_page = "", index
    return numbers
