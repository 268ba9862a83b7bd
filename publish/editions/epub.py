"""The EPUB 3 edition: the shared HTML as XHTML pages, packaged by ebooklib."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ebooklib import epub
from lxml import etree

from publish.editions.cover import Cover
from publish.editions.package import Package, read_package
from publish.editions.pagebreaks import Marker, insert_markers, markers
from publish.editions.subset import subset_font
from publish.errors import OutputError
from publish.layout.interior import Interior
from publish.render.html import environment, font_css
from publish.render.markup import ZH
from publish.resources import STYLES
from publish.source.markup import plain_text
from publish.stage import Facts, Job, Output

if TYPE_CHECKING:
    from publish.render.html import Rendering
    from publish.source.model import Meta

XHTML = "application/xhtml+xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SHEETS = ["../css/fonts.css", "../css/base.css", "../css/epub.css"]
ACCESSIBILITY = [
    ("schema:accessMode", "textual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityFeature", "pageBreakMarkers"),
    ("schema:accessibilityFeature", "pageNavigation"),
    ("schema:accessibilityHazard", "none"),
]
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


@dataclass(frozen=True)
class Entry:
    href: str
    label: str
    type: str = ""
    children: tuple[Entry, ...] = ()


def _toc(rendering: Rendering) -> list[Entry]:
    """Every part, and under it its sections (##) and their subsections (###)."""
    entries = []
    for section in rendering.sections:
        if section.part is None:
            continue
        path = f"text/{section.file}"
        tree: list[tuple[Entry, list[Entry]]] = []
        for heading in section.headings:
            entry = Entry(f"{path}#{heading.id}", heading.text)
            if heading.level == 3 and tree:
                tree[-1][1].append(entry)
            else:
                tree.append((entry, []))
        children = tuple(Entry(e.href, e.label, children=tuple(c)) for e, c in tree)
        entries.append(Entry(f"{path}#{section.id}", section.title, children=children))
    return entries


def _ncx(entries: list[Entry] | tuple[Entry, ...]) -> list[Any]:
    """The toc in ebooklib's form for the NCX: links, or (link, children) pairs."""
    out: list[Any] = []
    for entry in entries:
        link = epub.Link(entry.href, entry.label, entry.href.partition("#")[2])
        out.append((link, _ncx(entry.children)) if entry.children else link)
    return out


@dataclass(frozen=True)
class Epub(Facts):
    """The EPUB written: its size in bytes, and what its package document declares."""

    size: int
    package: Package


class EpubWriter:
    name: ClassVar[str] = "epub"
    formats: ClassVar[tuple[str, ...]] = ("epub",)
    # its page-list comes from the interior's layout, its cover image from the cover's
    needs: ClassVar[tuple[type[Facts], ...]] = (Interior, Cover)
    makes: ClassVar[type[Facts]] = Epub

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(), job.fact(Interior).pagemap, job.fact(Cover).image)

    def write(self, job: Job) -> Output[Epub]:
        rendering = job.rendering("epub")
        meta = job.book.meta
        book = epub.EpubBook()
        book.set_identifier(meta.edition.identifier)
        book.set_language(meta.edition.language)
        _metadata(book, meta)
        page_markers = markers(job.fact(Interior).pagemap)
        pages = _pages(book, rendering, meta.edition.language, page_markers)
        _fonts_and_styles(book, job, pages)
        book.set_cover("images/cover.jpg", job.fact(Cover).image, create_page=False)
        nav = _nav(rendering, meta, page_markers)
        book.add_item(nav)
        book.add_item(epub.EpubNcx())
        book.toc = _ncx(_toc(rendering))
        book.spine = list(pages.values())
        out = io.BytesIO()
        modified = dt.datetime.fromtimestamp(job.epoch, dt.UTC)
        epub.write_epub(out, book, {"mtime": modified, "epub3_pages": False,
                                    "raise_exceptions": True})
        written = _finish(out.getvalue(), job.epoch, meta.edition.language)
        return Output({job.name(".epub"): written}, Epub(len(written), read_package(written)))


def _metadata(book: epub.EpubBook, meta: Meta) -> None:
    original, edition = meta.original, meta.edition
    book.add_metadata("DC", "title", original.title, {"id": "title"})
    book.add_metadata(None, "meta", original.title_zh, {
        "refines": "#title", "property": "alternate-script", XML_LANG: ZH})
    for number, author in enumerate(original.authors, 1):
        book.add_metadata("DC", "creator", author.name, {"id": f"creator{number}"})
        book.add_metadata(None, "meta", author.role, {
            "refines": f"#creator{number}", "property": "role", "scheme": "marc:relators"})
        book.add_metadata(None, "meta", author.file_as, {
            "refines": f"#creator{number}", "property": "file-as"})
    book.add_metadata("DC", "publisher", edition.publisher)
    # The 1964 original, in English and, as its imprint gives it, in Chinese.
    book.add_metadata("DC", "source", f"{original.title}. {original.place}: "
                      f"{original.publisher}, {original.year}. {original.edition}.",
                      {"id": "source"})
    book.add_metadata(None, "meta", f"{original.title_zh}。{original.place_zh}："
                      f"{original.publisher_zh}，{original.edition_zh}。", {
                          "refines": "#source", "property": "alternate-script", XML_LANG: ZH})
    book.add_metadata("DC", "date", str(edition.year))
    book.add_metadata("DC", "rights", edition.rights)
    book.add_metadata("DC", "description", edition.description)
    for subject in edition.subjects:
        book.add_metadata("DC", "subject", subject)
    for prop, value in ACCESSIBILITY:
        book.add_metadata(None, "meta", value, {"property": prop})
    # The page-break markers follow the print edition (unprefixed: EPUB Accessibility 1.1).
    book.add_metadata(None, "meta", edition.print_id, {"property": "pageBreakSource"})
    book.add_metadata(None, "meta", _summary(meta), {"property": "schema:accessibilitySummary"})
    book.add_metadata(None, "meta", CONFORMS_TO, {"property": "dcterms:conformsTo"})


def _summary(meta: Meta) -> str:
    return (f"{meta.edition.short_title} is a text-only book: every page is real text, "
            "structured with headings and a table of contents, in a reading order that "
            "follows the printed book. Chinese passages are marked as Chinese. "
            "It has no images other than the cover, and no hazards.")


def _pages(book: epub.EpubBook, rendering: Rendering, language: str,
           page_markers: list[Marker]) -> dict[str, epub.EpubItem]:
    template = environment().get_template("epub/page.xhtml.jinja")
    pages: dict[str, epub.EpubItem] = {}
    for section in rendering.sections:
        xhtml = template.render(title=section.title, html=section.html,
                                stylesheets=SHEETS, language=language)
        _well_formed(xhtml, section.file)
        content = insert_markers(xhtml.encode("utf-8"), section.id, page_markers)
        item = epub.EpubItem(uid=section.id, file_name=f"text/{section.file}",
                             media_type=XHTML, content=content)
        book.add_item(item)
        pages[section.id] = item
    return pages


def _fonts_and_styles(book: epub.EpubBook, job: Job, pages: dict[str, epub.EpubItem]) -> None:
    """The shipped fonts, cut down to the characters the book uses, and the style sheets."""
    text = set("[]")  # the editorial brackets come from the style sheet
    for item in pages.values():
        root = etree.fromstring(item.content)
        text.update("".join(str(t) for t in root.itertext()))
    for face in job.faces:
        book.add_item(epub.EpubItem(
            uid=f"font-{face.file.stem}", file_name=f"fonts/{face.file.name}",
            media_type="font/otf" if face.format == "opentype" else "font/ttf",
            content=subset_font(face, text)))
    fonts = font_css(job.faces, lambda face: f"../fonts/{face.file.name}")
    book.add_item(epub.EpubItem(uid="css-fonts", file_name="css/fonts.css",
                                media_type="text/css", content=fonts.encode("utf-8")))
    for name in ("base", "epub"):
        book.add_item(epub.EpubItem(uid=f"css-{name}", file_name=f"css/{name}.css",
                                    media_type="text/css",
                                    content=(STYLES / f"{name}.css").read_bytes()))


def _nav(rendering: Rendering, meta: Meta, page_markers: list[Marker]) -> epub.EpubItem:
    def href(id: str) -> str:
        return f"text/{rendering.section(id).file}#{id}"

    toc = _toc(rendering)
    landmarks = [Entry(href(s.id), s.title, s.landmark)
                 for s in rendering.sections if s.landmark]
    page_list = [Entry(f"text/{rendering.section(m.section).file}#{m.id}", m.label)
                 for m in page_markers]
    title = plain_text(meta.contents_heading).title()
    xhtml = environment().get_template("epub/nav.xhtml.jinja").render(
        toc=toc, landmarks=landmarks, page_list=page_list, contents_title=title,
        stylesheets=[s.removeprefix("../") for s in SHEETS], language=meta.edition.language)
    _well_formed(xhtml, "nav.xhtml")
    item = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type=XHTML,
                         content=xhtml.encode("utf-8"))
    item.properties = ["nav"]
    return item


def _well_formed(xhtml: str, name: str) -> None:
    try:
        etree.fromstring(xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as error:
        raise OutputError("O-XHTML", f"{name} is not well-formed XHTML: {error}",
                          "report this: a template produced bad markup") from None


def _finish(data: bytes, epoch: int, language: str) -> bytes:
    """Rewrite ebooklib's zip, for what ebooklib cannot do: fixed dates and order (it stamps
    entries with now()) and the package's own `xml:lang` (DAISY Ace asks for it)."""
    stamp = dt.datetime.fromtimestamp(max(epoch, 315532800), dt.UTC).timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    opf = next(n for n in source.namelist() if n.endswith(".opf"))
    names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = source.read(name)
            if name == opf:
                content = _with_language(content, language)
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def _with_language(opf: bytes, language: str) -> bytes:
    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
