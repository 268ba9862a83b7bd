"""The EPUB 3 edition: the shared HTML as XHTML pages, packaged by ebooklib."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from ebooklib import epub
from lxml import etree

from publish.editions.cover import Cover
from publish.editions.ncx import completed
from publish.editions.package import Package, read_package
from publish.editions.pagebreaks import Marker, insert_markers, markers
from publish.editions.subset import subset_font
from publish.errors import OutputError
from publish.layout.interior import Interior
from publish.render.figures import MEDIA_TYPES, epub_copy
from publish.render.html import contents_title, environment, font_css
from publish.resources import STYLES
from publish.source import ids
from publish.source.markup import plain_text
from publish.source.metadata import script_of
from publish.stage import Facts, Job, Output

if TYPE_CHECKING:
    from publish.render.html import Rendering
    from publish.source.metadata import LocalName, LocalTitle
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
# A book with figures: they are seen, and their alt text makes the text alone enough.
PICTURES = [
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual,visual"),
    ("schema:accessibilityFeature", "alternativeText"),
]
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


@dataclass(frozen=True)
class Entry:
    href: str
    label: str
    type: str = ""
    children: tuple[Entry, ...] = ()
    lang: str | None = None  # the entry's language, where it is not the book's


def _toc(rendering: Rendering) -> list[Entry]:
    """Every part, and under it its sections (##) and their subsections (###); a part's
    chapters under the part (a group), after its own sections."""
    entries: list[Entry] = []
    groups: dict[str, list[Entry]] = {}  # a group's id -> the chapters in it
    for section in rendering.sections:
        if section.part is None:
            continue
        path = f"text/{section.file}"
        tree: list[tuple[Entry, list[Entry]]] = []
        for heading in section.headings:
            entry = Entry(f"{path}#{heading.id}", heading.text,
                          lang=section.part.header.lang)
            if heading.level == 3 and tree:
                tree[-1][1].append(entry)
            else:
                tree.append((entry, []))
        children = [Entry(e.href, e.label, children=tuple(c), lang=e.lang) for e, c in tree]
        if section.part.header.kind == "part":
            groups[section.id] = children
        entry = Entry(f"{path}#{section.id}", section.title, children=tuple(children),
                      lang=section.part.header.lang)
        group = section.part.group
        if group in groups:
            groups[group].append(entry)
        else:
            entries.append(entry)
    # the groups' entries, with the chapters that came after them
    return [Entry(e.href, e.label, children=tuple(groups[e.href.partition("#")[2]]),
                  lang=e.lang)
            if e.href.partition("#")[2] in groups else e for e in entries]


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
        interior = job.fact(Interior)
        return (job.book.model_dump_json(), interior.pagemap, interior.targets,
                job.fact(Cover).image)

    def write(self, job: Job) -> Output[Epub]:
        rendering = job.rendering("epub")
        meta = job.book.meta
        book = epub.EpubBook()
        book.set_identifier(meta.epub_id)
        book.set_language(meta.language)
        _metadata(book, meta, sum(len(part.figures) for part in job.book.parts))
        page_markers = markers(job.fact(Interior).pagemap)
        pages = _pages(book, rendering, meta.language, page_markers,
                       dict(job.fact(Interior).targets))
        _fonts_and_styles(book, job, pages)
        for figure in (f for part in job.book.parts for f in part.figures):
            book.add_item(epub.EpubItem(uid=f"figure-{figure.number}",
                                        file_name=figure.epub_file,
                                        media_type=MEDIA_TYPES[figure.kind],
                                        content=epub_copy(figure)))
        book.set_cover(ids.COVER_IMAGE, job.fact(Cover).image, create_page=False)
        nav = _nav(rendering, meta, page_markers)
        book.add_item(nav)
        book.add_item(epub.EpubNcx())
        book.toc = _ncx(_toc(rendering))
        book.spine = list(pages.values())
        out = io.BytesIO()
        modified = dt.datetime.fromtimestamp(job.epoch, dt.UTC)
        epub.write_epub(out, book, {"mtime": modified, "epub3_pages": False,
                                    "raise_exceptions": True})
        ncx = partial(completed, title=plain_text(meta.title.text),
                      authors=[plain_text(p.name.text) for p in meta.contributors
                               if "aut" in p.role],
                      pages=[(m.label, _page_href(rendering, m)) for m in page_markers])
        written = _finish(out.getvalue(), job.epoch, meta.language, ncx)
        return Output({job.name(".epub"): written}, Epub(len(written), read_package(written)))


def _metadata(book: epub.EpubBook, meta: Meta, figures: int) -> None:
    """The package's metadata, each text with its alternate forms (alternate-script)."""
    def alternates(id: str, forms: LocalName | LocalTitle) -> None:
        for tag, text in forms.alternates:
            book.add_metadata(None, "meta", plain_text(text), {
                "refines": f"#{id}", "property": "alternate-script", XML_LANG: tag})

    book.add_metadata("DC", "title", plain_text(meta.title.text), {"id": "title"})
    alternates("title", meta.title)
    if meta.subtitle:
        book.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
        book.add_metadata("DC", "title", plain_text(meta.subtitle.text), {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle",
                                                     "property": "title-type"})
        alternates("subtitle", meta.subtitle)
    for number, person in enumerate(meta.contributors, 1):
        id = f"creator{number}"
        element = "creator" if "aut" in person.role else "contributor"
        book.add_metadata("DC", element, plain_text(person.name.text), {"id": id})
        for role in person.role:
            book.add_metadata(None, "meta", role, {
                "refines": f"#{id}", "property": "role", "scheme": "marc:relators"})
        book.add_metadata(None, "meta", person.file_as, {"refines": f"#{id}",
                                                         "property": "file-as"})
        alternates(id, person.name)
    if meta.series:
        book.add_metadata(None, "meta", plain_text(meta.series.name.text), {
            "property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series",
                                                   "property": "collection-type"})
        if meta.series.number:
            book.add_metadata(None, "meta", str(meta.series.number), {
                "refines": "#series", "property": "group-position"})
    book.add_metadata("DC", "publisher", plain_text(meta.publisher.text), {"id": "publisher"})
    alternates("publisher", meta.publisher)
    if meta.original:
        _source(book, meta)
    book.add_metadata("DC", "date", meta.date)
    if meta.rights:
        book.add_metadata("DC", "rights", meta.rights)
    if meta.description:
        book.add_metadata("DC", "description", meta.description)
    for heading in meta.subjects.lcsh:
        book.add_metadata("DC", "subject", heading if isinstance(heading, str) else heading.text)
    for scheme, codes in (("BISAC", meta.subjects.bisac), ("THEMA", meta.subjects.thema)):
        for code in codes:
            id = f"subject-{scheme.lower()}-{code}"
            book.add_metadata("DC", "subject", code, {"id": id})
            book.add_metadata(None, "meta", scheme, {"refines": f"#{id}",
                                                     "property": "authority"})
            book.add_metadata(None, "meta", code, {"refines": f"#{id}", "property": "term"})
    for keyword in meta.keywords:
        book.add_metadata("DC", "subject", keyword)
    for prop, value in ACCESSIBILITY + (PICTURES if figures else []):
        book.add_metadata(None, "meta", value, {"property": prop})
    # The page-break markers follow the print edition (unprefixed: EPUB Accessibility 1.1).
    book.add_metadata(None, "meta", meta.print_id, {"property": "pageBreakSource"})
    book.add_metadata(None, "meta", _summary(meta, figures),
                      {"property": "schema:accessibilitySummary"})
    book.add_metadata(None, "meta", CONFORMS_TO, {"property": "dcterms:conformsTo"})


def _source(book: epub.EpubBook, meta: Meta) -> None:
    """The edition reproduced or translated (dc:source), in each language it is given in."""
    original = meta.original
    assert original is not None
    fields = (original.title or meta.title, original.place, original.publisher,
              original.edition)
    year = original.date[:4]
    main = [plain_text(f.text) if f else None for f in fields]
    book.add_metadata("DC", "source", source_line(main, year), {"id": "source"})
    for tag in dict.fromkeys(t for f in fields if f for t, _ in f.alternates):
        forms = [dict(f.alternates).get(tag) if f else None for f in fields]
        if forms[0]:
            book.add_metadata(None, "meta", source_line(forms, year, tag), {
                "refines": "#source", "property": "alternate-script", XML_LANG: tag})


CJK_SCRIPTS = {"Hani", "Hans", "Hant", "Jpan", "Kore", "Hira", "Kana", "Hang"}


def source_line(fields: list[str | None], year: str, tag: str = "en") -> str:
    """(title, place, publisher, edition) as "Title. Place: Publisher, 1964. Edition.", or
    in CJK punctuation "题名。北京：出版社，版次。" (where the edition statement holds the
    year) where the forms are in a CJK script (not a romanization, zh-Latn-pinyin)."""
    title, place, publisher, edition = fields
    if script_of(tag) in CJK_SCRIPTS:
        where = "：".join(x for x in (place, publisher) if x)
        return "".join(f"{x}{p}" for x, p in ((title, "。"), (where, "，" if edition else "。"),
                                              (edition, "。")) if x)
    where = ": ".join(x for x in (place, publisher) if x)
    where = f"{where}, {year}" if where else year
    return " ".join(f"{x}." for x in (title, where, edition) if x)


def _summary(meta: Meta, figures: int) -> str:
    images = ("It has no images other than the cover" if not figures else
              f"Its {figures} figure{'s' if figures > 1 else ''} each have a caption and a "
              "text alternative describing the image")
    kind = "a text-only book: every page is real text" if not figures else "a book of text"
    return (f"{meta.running_title} is {kind}, "
            "structured with headings and a table of contents, in a reading order that "
            "follows the printed book. Passages in other languages are marked with their "
            f"language. {images}, and no hazards.")


_PAGE_NUMBER = re.compile(r'(<span class="page-number[^"]*" data-target="#([^"]+)">)</span>')


def _pages(book: epub.EpubBook, rendering: Rendering, language: str,
           page_markers: list[Marker], targets: dict[str, str]) -> dict[str, epub.EpubItem]:
    template = environment().get_template("epub/page.xhtml.jinja")
    pages: dict[str, epub.EpubItem] = {}
    for section in rendering.sections:
        xhtml = template.render(title=section.title, html=section.html,
                                stylesheets=SHEETS, language=language)
        # A cross-reference's page: the label of the printed page its target is on.
        xhtml = _PAGE_NUMBER.sub(lambda m: f"{m[1]}{targets.get(m[2], '')}</span>", xhtml)
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
    landmarks = [Entry(href(s.id), s.title, landmark)
                 for s in rendering.sections for landmark in s.landmarks]
    page_list = [Entry(_page_href(rendering, m), m.label) for m in page_markers]
    title = contents_title(meta)
    xhtml = environment().get_template("epub/nav.xhtml.jinja").render(
        toc=toc, landmarks=landmarks, page_list=page_list, contents_title=title,
        stylesheets=[s.removeprefix("../") for s in SHEETS], language=meta.language)
    _well_formed(xhtml, "nav.xhtml")
    item = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type=XHTML,
                         content=xhtml.encode("utf-8"))
    item.properties = ["nav"]
    return item


def _page_href(rendering: Rendering, marker: Marker) -> str:
    """Where a page's marker stands, from the package's folder (the nav's and the NCX's)."""
    return f"text/{rendering.section(marker.section).file}#{marker.id}"


def _well_formed(xhtml: str, name: str) -> None:
    try:
        etree.fromstring(xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as error:
        raise OutputError("O-XHTML", f"{name} is not well-formed XHTML: {error}",
                          "report this: a template produced bad markup") from None


def _finish(data: bytes, epoch: int, language: str, ncx: Callable[[bytes], bytes]) -> bytes:
    """Rewrite ebooklib's zip, for what ebooklib cannot do: fixed dates and order (it stamps
    entries with now()), the package's own `xml:lang` (DAISY Ace asks for it) and the NCX
    made whole (`ncx`: ncx.py)."""
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
            elif name.endswith(".ncx"):
                content = ncx(content)
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def _with_language(opf: bytes, language: str) -> bytes:
    root = etree.fromstring(opf)
    root.set(XML_LANG, language)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
