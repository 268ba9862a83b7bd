"""Read the built editions back as a reader's tools would: the EPUB as zip + XHTML, the PDF
through pdfium's characters, made into lines and words here. Nothing here imports the
project's own code."""

from __future__ import annotations

import ctypes
import re
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import langcodes
import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
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
        self.path = path
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

    def ncx_path(self) -> str:
        href = self.opf.xpath("//opf:item[@media-type='application/x-dtbncx+xml']/@href",
                              namespaces=NS)
        return self.resolve(href[0])

    def target(self, href: str, base: str) -> str:
        """A link's target as one string: the file it resolves to, '#', the fragment."""
        return self.resolve(href, base) + "#" + href.partition("#")[2]

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


@dataclass
class Char:
    text: str
    x0: float
    x1: float
    top: float  # the loose box (ascent to descent), down from the page's top edge, as a
    bottom: float  # reader reads
    glyph_top: float  # the glyph's own box
    glyph_bottom: float
    baseline: float  # down from the page's top edge
    size: float  # in the units of the text's own matrix, as pdfium gives it


GAP = 3.0  # points: a wider gap between two characters parts two words; a wider step in
# height parts two lines
LINE_END_HYPHEN = {"\x02": "-", "\ufffe": "-"}  # pdfium's marks for a hyphen ending a line


def page_chars(page: pypdfium2.PdfPage) -> list[Char]:
    """The characters the page draws, with their boxes (font ascent to descent, advance;
    the glyph's own), baselines and sizes, in the order it draws them; none of those pdfium
    makes up (spaces for gaps, breaks)."""
    _, _, _, page_top = page.get_bbox()
    textpage = page.get_textpage()
    chars = []
    try:
        for index in range(textpage.count_chars()):
            if not pdfium_c.FPDFText_GetTextObject(textpage.raw, index):
                continue  # pdfium's own: a space for a gap, a line break
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index))
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
            _, g_bottom, _, g_top = textpage.get_charbox(index, loose=False)
            x, y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, x, y)
            chars.append(Char(LINE_END_HYPHEN.get(char, char), left, right, page_top - top,
                              page_top - bottom, page_top - g_top, page_top - g_bottom,
                              page_top - y.value,
                              float(pdfium_c.FPDFText_GetFontSize(textpage.raw, index))))
    finally:
        textpage.close()
    return chars


def chars_to_lines(chars: list[Char], page: int) -> list[Line]:
    """Words (runs of characters with no space and no wide gap between them) gathered into
    lines by height, top to bottom; in each line the words left to right, one space apart."""
    words: list[list[Char]] = [[]]
    for char in chars:
        if char.text.isspace():
            words.append([])
            continue
        last = words[-1][-1] if words[-1] else None
        if last and (char.x0 > last.x1 + GAP or char.x0 < last.x0 - GAP
                     or abs(char.top - last.top) > GAP):
            words.append([])
        words[-1].append(char)
    lines: list[list[list[Char]]] = []
    previous = None
    for word in sorted((word for word in words if word), key=lambda w: min(c.top for c in w)):
        top = min(c.top for c in word)
        if previous is None or top - previous > GAP:
            lines.append([])
        lines[-1].append(word)
        previous = top
    out = []
    for line in lines:
        line.sort(key=lambda word: word[0].x0)
        out.append(Line(page, min(word[0].x0 for word in line),
                        min(c.top for word in line for c in word),
                        " ".join("".join(c.text for c in word) for word in line)))
    return out


def height_mm(page: pypdfium2.PdfPage) -> float:
    _, bottom, _, top = page.get_bbox()
    return float(top - bottom) / MM


def band(chars: list[Char], page: pypdfium2.PdfPage, top_mm: float,
         bottom_mm: float) -> list[Char]:
    """The characters whose middle stands inside the page less `top_mm` at its top and
    `bottom_mm` at its foot (a crop)."""
    low, high = top_mm * MM, (height_mm(page) - bottom_mm) * MM
    return [c for c in chars if low < (c.top + c.bottom) / 2 < high]


def pdf_lines(path: Path, top_mm: float = 0, bottom_mm: float = 0,
              pages: range | None = None) -> list[Line]:
    """The lines of text on each page, inside the margins given (running heads and
    folios stand outside the text area, so a crop leaves them out)."""
    out = []
    pdf = pypdfium2.PdfDocument(path)
    try:
        for index, page in enumerate(pdf):
            if pages is None or index in pages:
                out += chars_to_lines(band(page_chars(page), page, top_mm, bottom_mm), index)
    finally:
        pdf.close()
    return out


@dataclass
class PrintedPage:
    number: int  # from 1
    text: str  # the whole page's lines
    head: str  # above the text area: the running head
    body: str  # the text area
    foot: str  # below it: the folio
    objects: int  # what the page draws: text, paths, images, of any kind


def printed_pages(path: Path, head_mm: float, foot_mm: float) -> list[PrintedPage]:
    """Each page's text, whole and in its three bands; `head_mm` and `foot_mm` are the
    heights of the top and bottom ones."""
    def text(chars: list[Char]) -> str:
        return "\n".join(line.text for line in chars_to_lines(chars, 0))

    out = []
    pdf = pypdfium2.PdfDocument(path)
    try:
        for index, page in enumerate(pdf):
            chars = page_chars(page)
            out.append(PrintedPage(
                index + 1, text(chars), text(band(chars, page, 0, height_mm(page) - head_mm)),
                text(band(chars, page, head_mm, foot_mm)),
                text(band(chars, page, height_mm(page) - foot_mm, 0)),
                len(list(page.get_objects()))))
    finally:
        pdf.close()
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


@dataclass(frozen=True)
class Tagged:
    """A structure element of a tagged PDF: its type (`H1`, `P`, `Span`, ...), its own
    language (/Lang, '' when it has none), the page it is on, and whether it marks content."""

    kind: str
    lang: str
    page: int
    marks_content: bool


def structure(path: Path) -> list[Tagged]:
    """The PDF's structure tree in reading order (none: an untagged PDF)."""
    out: list[Tagged] = []
    with pikepdf.open(path) as pdf:
        pages: dict[tuple[int, int], int] = {
            page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return out

        def content(kids: object) -> bool:
            items = kids if isinstance(kids, pikepdf.Array) else [kids]
            return any(isinstance(kid, int) or (isinstance(kid, pikepdf.Dictionary) and (
                kid.get("/Type") == "/MCR" or content(kid.get("/K")))) for kid in items)

        def walk(node: object, page: int) -> None:
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid, page)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if "/Pg" in node:
                    page = pages[node.Pg.objgen]
                out.append(Tagged(str(node.S)[1:], str(node.get("/Lang", "")), page,
                                  content(node.get("/K"))))
                walk(node.get("/K"), page)

        walk(root.get("/K"), -1)
    return out


def calibre_metadata(path: Path) -> tuple[dict[str, str], str]:
    """What Calibre's `ebook-meta` reads from an EPUB, as it prints it ("Title", "Author(s)",
    "Published", ...), and what it said on stderr."""
    run = subprocess.run(["ebook-meta", str(path)], capture_output=True, text=True,
                         timeout=120, check=True)
    fields: dict[str, str] = {}
    for line in run.stdout.splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip():
            fields[key.strip()] = value.strip()
    return fields, run.stderr


def main_form(value: object) -> str:
    """A text of book.yaml in the book's language: a string, or the first of its forms."""
    return str(next(iter(value.values())) if isinstance(value, dict) else value)


def assert_calibre_reads(meta: dict[str, Any], epub: Path) -> None:
    """Calibre (the library most readers keep their books in) reads from the EPUB the
    title, the authors with their sort forms, the publisher, the language, the date of
    publication and the EPUB's ISBN that book.yaml (`meta`) gives, and says nothing else."""
    fields, said = calibre_metadata(epub)
    assert said.strip() == ""
    title = main_form(meta["title"])  # Calibre joins a subtitle to it, as a cover does
    assert fields["Title"] == (f"{title}: {main_form(meta['subtitle'])}" if "subtitle" in meta
                               else title)
    if "series" in meta:
        series = meta["series"]
        assert fields["Series"] == f"{main_form(series['name'])} #{series['number']}"
    authors = [c for c in meta["contributors"] if "aut" in roles(c)]
    names = " & ".join(main_form(c["name"]) for c in authors)
    sorts = " & ".join(str(c["sort"]) for c in authors)
    assert fields["Author(s)"] == f"{names} [{sorts}]"
    assert fields["Publisher"] == main_form(meta["publisher"])
    assert fields["Languages"] == langcodes.get(str(meta["language"])).to_alpha3()
    # Calibre fills a date's missing month and day itself (the 15th, this month).
    assert fields["Published"].startswith(str(meta["date"]))
    isbn = (meta.get("isbn") or {}).get("epub")
    if isbn:
        assert f"isbn:{isbn.replace('-', '')}" in fields["Identifiers"].split(", ")


def roles(contributor: dict[str, Any]) -> list[str]:
    """A contributor's roles in book.yaml: one or a list; `aut` where none is given."""
    role = contributor.get("role", "aut")
    return list(role) if isinstance(role, list) else [str(role)]
