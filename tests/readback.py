"""Read the built editions back as a reader's tools would: the EPUB as zip + XHTML, the PDF
through pdfplumber's text extraction. Nothing here imports the project's own code."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pdfplumber
import pikepdf
from lxml import etree

NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "epub": "http://www.idpf.org/2007/ops", "ncx": "http://www.daisy.org/z3986/2005/ncx/",
      "dc": "http://purl.org/dc/elements/1.1/"}
MM = 72 / 25.4


def letters(text: str) -> str:
    """Only the letters and digits, lower case: what survives any line breaking."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


# --- EPUB -----------------------------------------------------------------------------


class Epub:
    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        container = self.xml("META-INF/container.xml")
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.opf = self.xml(self.opf_path)

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.zip.read(name))

    def resolve(self, href: str, base: str | None = None) -> str:
        folder = PurePosixPath(base or self.opf_path).parent
        parts: list[str] = []
        for piece in (folder / href.split("#")[0]).parts:
            if piece == "..":
                parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)

    def spine(self) -> list[str]:
        items = {i.get("id"): i.get("href") for i in self.opf.xpath("//opf:item", namespaces=NS)}
        return [self.resolve(items[ref]) for ref in
                self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)]

    def nav_path(self) -> str:
        href = self.opf.xpath("//opf:item[contains(@properties, 'nav')]/@href", namespaces=NS)
        return self.resolve(href[0])

    def page(self, name_end: str) -> etree._Element:
        return self.xml(next(n for n in self.spine() if n.endswith(name_end)))


def block_lines(element: etree._Element) -> list[str]:
    """An element's text split where it has <br/>, each line stripped."""
    chunks = [""]
    for node in element.iter():
        if node is not element and etree.QName(node).localname == "br":
            chunks.append("")
            chunks[-1] += node.tail or ""
            continue
        if node is element:
            chunks[-1] += node.text or ""
        else:
            chunks[-1] += (node.text or "") + (node.tail or "")
    return [" ".join(c.split()) for c in chunks]


def text_lines(page: etree._Element) -> list[str]:
    """Every line of the page's blocks (h1 and p), in order."""
    lines: list[str] = []
    for element in page.xpath("//x:body//x:h1 | //x:body//x:p", namespaces=NS):
        lines += block_lines(element)
    return lines


# --- PDF ------------------------------------------------------------------------------


@dataclass
class Line:
    page: int  # index in the file
    x0: float
    top: float
    text: str


def pdf_lines(path: Path, top_mm: float = 0, bottom_mm: float = 0,
              pages: range | None = None) -> list[Line]:
    """The lines of text on each page, inside the margins given (running heads and
    folios stand outside the text area, so a crop leaves them out)."""
    out = []
    with pdfplumber.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            if pages is not None and index not in pages:
                continue
            x0, top, x1, bottom = page.bbox
            area = page.crop((x0, top + top_mm * MM, x1, bottom - bottom_mm * MM))
            for line in area.extract_text_lines(layout=False, strip=True):
                out.append(Line(index, line["x0"], line["top"], line["text"]))
    return out


def pdf_paragraphs(lines: list[Line]) -> list[str]:
    """Paragraphs as a reader sees them: a new one begins at an indented or centred line;
    a line at the top of a page that is not indented goes on with the one before."""
    paragraphs: list[str] = []
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page_lines in by_page.values():
        left = min(line.x0 for line in page_lines)
        for line in page_lines:
            if line.x0 > left + 2 or not paragraphs:
                paragraphs.append(line.text)
            elif paragraphs[-1].endswith("\u2010"):  # the layout hyphenated a word here
                paragraphs[-1] = paragraphs[-1][:-1] + line.text
            elif paragraphs[-1].endswith(("-", "\u2014")):  # a line broken after a dash
                paragraphs[-1] += line.text
            else:
                paragraphs[-1] += " " + line.text
    return [re.sub(r"\s+", " ", p) for p in paragraphs]


# An entry of a printed contents ends with its leader and page number; a title that fills
# its last line leaves no room for dots, only a space before the number.
LEADER_AND_FOLIO = re.compile(r"(?:[ .]*\.\s*|\s+)(\d+)$")


def contents_entries(lines: list[str]) -> list[tuple[str, str]]:
    """(title, page number) of each entry, from the lines that follow a contents heading."""
    entries, current = [], ""
    for line in lines:
        current = f"{current} {line}".strip()
        found = LEADER_AND_FOLIO.search(current)
        if found:
            entries.append((LEADER_AND_FOLIO.sub("", current), found[1]))
            current = ""
    return entries


def outline(path: Path) -> list[tuple[str, str]]:
    """The PDF's top-level bookmarks: (title, label of the page each points at)."""
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        with pdf.open_outline() as tree:
            out = []
            for item in tree.root:
                destination = item.destination
                assert isinstance(destination, pikepdf.Array)
                out.append((item.title, pdf.pages[index[destination[0].objgen]].label))
    return out
