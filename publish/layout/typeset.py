"""WeasyPrint, confined to the book: HTML and style sheets to a laid-out document, and a
document to PDF/X. The layout, the PDF and the cover all typeset through here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from publish.errors import OutputError, SourceError
from publish.layout.tagging import languages
from publish.render.figures import print_copy
from publish.render.html import font_css
from publish.resources import STYLES
from publish.stage import Job

if TYPE_CHECKING:
    from weasyprint import Document

    from publish.source.figures import Figure


class Refused(FatalURLFetchingError):  # type: ignore[misc]
    pass


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """Loads files under the given folders and nothing else: no network, no other file;
    and the figures' print copies (`figure:N`, render/figures.py) from `figures`."""

    def __init__(self, *roots: Path, figures: Mapping[str, Figure] | None = None) -> None:
        super().__init__(allowed_protocols={"file"})
        self.roots = [root.resolve() for root in roots]
        self.figures = dict(figures or {})

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url in self.figures:
            return URLFetcherResponse(url, print_copy(self.figures[url]),
                                      {"Content-Type": "image/png"})
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        raise Refused(f"the book may not load '{url[:200]}'")


def render_document(job: Job, html: str, sheets: Sequence[str], extra_css: str) -> Document:
    """Lay HTML out with the shipped fonts, the named sheets of styles/ and `extra_css`."""
    base = Path(job.book.root)
    figures = {f"figure:{f.number}": f for part in job.book.parts for f in part.figures}
    fetcher = ConfinedFetcher(base, STYLES, *sorted({face.file.parent for face in job.faces}),
                              figures=figures)
    fonts = FontConfiguration()
    profiles: dict[str, Any] = {}  # filled by @color-profile rules, like fonts by @font-face
    shared = {"font_config": fonts, "color_profiles": profiles, "url_fetcher": fetcher}
    with _confined(job):  # a style sheet fetches its @import and @font-face files as read
        css = [
            CSS(string=font_css(job.faces, lambda face: face.file.as_uri()), **shared),
            *(CSS(filename=STYLES / name, **shared) for name in sheets),
            CSS(string=extra_css, **shared),
        ]
        document: Document = HTML(string=html, base_url=str(base) + "/",
                                  url_fetcher=fetcher).render(
            stylesheets=css, font_config=fonts, color_profiles=profiles)
    return document


class Laid:
    """A document WeasyPrint laid out, for its PDF to be written in the same stage.
    WeasyPrint has no annotations (mypy takes its types for `Any`), so its document
    never leaves this stage bare: what reads a layout holds this typed handle."""

    def __init__(self, job: Job, document: Document) -> None:
        self._job, self._document = job, document

    def pdf(self) -> bytes:
        """The document as PDF/X-4 (see write_pdf)."""
        return write_pdf(self._job, self._document)


def write_pdf(job: Job, document: Document) -> bytes:
    """The document as PDF/X-4; stops if a character was drawn without a glyph."""
    with _confined(job), languages():  # attachments are fetched as the PDF is written
        # No /ID from pydyf: it would compress every stream a second time to hash them, and
        # finish() writes the /ID the file keeps (pdfx.py). A tenth of write_pdf (make bench).
        pdf: bytes = document.write_pdf(pdf_variant="pdf/x-4", uncompressed_pdf=False,
                                        pdf_identifier=False, pdf_tags=True)
    ours = {face.css_family for face in job.faces}
    foreign = sorted({str(f.family) for f in document.fonts.values()} - ours)
    if foreign:  # the style asked for a glyph no face of it has (a list marker, an ornament)
        raise OutputError("O-FONT-FALLBACK", f"the typesetter took glyphs from "
                          f"{', '.join(foreign)}, a font of the building machine, not of the "
                          "style: a character the style sheets draw is in none of its faces",
                          "give the style a face that has it, or draw another character")
    for font in document.fonts.values():  # filled as the PDF is written
        if font.missing:
            # WeasyPrint keeps the code points (ints), not the characters.
            chars = ", ".join(f"U+{c if isinstance(c, int) else ord(c):04X}"
                              for c in sorted(font.missing))
            raise OutputError("O-GLYPH-MISSING", f"characters drawn without a glyph: {chars}",
                              "add a font that has them to fonts/fonts.yaml")
    return pdf


def lay_out(job: Job, html: str, sheets: Sequence[str], extra_css: str,
            block: str = "") -> tuple[bytes, bool]:
    """Lay out and write the PDF at once (the cover); and whether the text of the element
    of class `block` (the back cover's) ends inside it, its last line not cut off."""
    document = render_document(job, html, sheets, extra_css)
    fits = all(_ends_inside(box) for box in _boxes_of(document.pages[0]._page_box, block)) \
        if block else True
    return write_pdf(job, document), fits


def _ends_inside(box: Any) -> bool:
    bottom = box.content_box_y() + box.height
    ends = [child.position_y + child.margin_height() for child in _descendants(box)]
    return not ends or max(ends) <= bottom + 0.5


def _boxes_of(box: Any, name: str) -> Iterator[Any]:
    """The boxes of the HTML elements of class `name` (WeasyPrint's, read only)."""
    element = getattr(box, "element", None)
    if element is not None and name in (element.get("class") or "").split():
        yield box
        return
    for child in getattr(box, "children", None) or ():
        yield from _boxes_of(child, name)


def _descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", None) or ():
        yield child
        yield from _descendants(child)


@contextlib.contextmanager
def _confined(job: Job) -> Iterator[None]:
    try:
        yield
    except Refused as refused:
        raise SourceError("S-FETCH", str(refused), "use only files inside the source folder",
                          job.book.meta.slug) from None
