"""The print edition: the shared HTML laid out by WeasyPrint into the PDF interior."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlparse

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from ..errors import OutputError, SourceError
from ..model import mm
from ..pagemap import PageStart, labels_of, page_map, to_json
from ..render import environment, font_css, modified
from . import STYLES, Job, PrintGeometry
from .pdfx import PageLabelRange, add_crop_marks, finish_pdf

if TYPE_CHECKING:
    from weasyprint import Document

BLEED_MM = {"pod": 0.0, "press": 3.0}  # press: bleed and crop marks for an offset printer


class Refused(FatalURLFetchingError):  # type: ignore[misc]
    pass


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """Loads files under the given folders and nothing else: no network, no other file."""

    def __init__(self, *roots: Path) -> None:
        super().__init__(allowed_protocols={"file"})
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                return super().fetch(url, headers)
        raise Refused(f"the book may not load '{url[:200]}'")


@dataclass
class Laid:
    """A laid-out document and the PDF written from it."""

    document: Document
    pdf: bytes


def lay_out(job: Job, html: str, sheets: Sequence[str], extra_css: str) -> Laid:
    """Render HTML with the shipped fonts, the named sheets of styles/ and `extra_css`."""
    base = Path(job.book.root)
    fetcher = ConfinedFetcher(base, STYLES, *sorted({face.file.parent for face in job.faces}))
    fonts = FontConfiguration()
    profiles: dict[str, Any] = {}  # filled by @color-profile rules, like fonts by @font-face
    shared = {"font_config": fonts, "color_profiles": profiles, "url_fetcher": fetcher}
    try:  # a style sheet fetches its @import and @font-face files as it is read
        css = [
            CSS(string=font_css(job.faces, lambda face: face.file.as_uri()), **shared),
            *(CSS(filename=STYLES / name, **shared) for name in sheets),
            CSS(string=extra_css, **shared),
        ]
        document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render(
            stylesheets=css, font_config=fonts, color_profiles=profiles)
        pdf = document.write_pdf(pdf_variant="pdf/x-4", uncompressed_pdf=False)
    except Refused as refused:
        raise SourceError("S-FETCH", str(refused), "use only files inside the source folder",
                          job.book.meta.slug) from None
    for font in document.fonts.values():
        if font.missing:
            chars = ", ".join(f"U+{ord(c):04X}" for c in sorted(font.missing))
            raise OutputError("O-GLYPH-MISSING", f"characters drawn without a glyph: {chars}",
                              "add a font that has them to fonts/fonts.yaml")
    return Laid(document, pdf)


def finish(job: Job, pdf: bytes, labels: list[PageLabelRange]) -> bytes:
    """Reproducible ids, page labels and an outline shown on opening (see pdfx.py)."""
    return finish_pdf(pdf, page_labels=labels,
                      document_id_seed=job.book.meta.edition.print_id.encode())


def page_labels(document: Document, first_body_id: str) -> list[PageLabelRange]:
    """Front matter i, ii, ...; the body 1, 2, ... from the page where its first part opens."""
    body = next(i for i, page in enumerate(document.pages) if first_body_id in page.anchors)
    return [PageLabelRange(0, "roman", 1), PageLabelRange(body, "arabic", 1)]


SHEETS = ["color.css", "base.css", "print.css"]


def interior(job: Job) -> tuple[str, str]:
    """The interior's HTML, and the CSS of its pages (laid out with SHEETS): what the
    benchmark also gives WeasyPrint alone, as the floor the build is measured against."""
    env = environment()
    html = env.get_template("print/book.html.jinja").render(
        meta=job.book.meta, modified=modified(job.epoch),
        sections=[s for s in job.rendering("print").sections if s.id != "cover"])
    page_css = env.get_template("print/page.css.jinja").render(
        settings=job.book.meta.print, bleed=f"{BLEED_MM[job.profile]}mm"
        if BLEED_MM[job.profile] else None)
    return html, page_css


class PdfWriter:
    format: ClassVar[str] = "pdf"
    needs: ClassVar[tuple[str, ...]] = ()
    facts: ClassVar[dict[str, Any]] = {"pdf.pages": int, "pdf.labels": list[PageLabelRange],
                                       "pagemap": list[PageStart], "pdf.print": PrintGeometry}

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(),)

    def write(self, job: Job) -> dict[str, bytes]:
        html, page_css = interior(job)
        laid = lay_out(job, html, SHEETS, page_css)
        document = laid.document
        labels = page_labels(document, job.book.parts[0].id)
        starts = page_map(document, labels_of(labels, len(document.pages)))
        settings = job.book.meta.print
        job.facts.update({
            "pdf.pages": len(document.pages), "pdf.labels": labels, "pagemap": starts,
            "pdf.print": PrintGeometry(job.name(".pdf"), (mm(settings.trim_width),
                                                         mm(settings.trim_height)),
                                       BLEED_MM[job.profile], black_text=True)})
        pdf = finish(job, laid.pdf, labels)
        return {job.name(".pdf"): add_crop_marks(pdf) if job.profile == "press" else pdf,
                job.name(".pages.json"): to_json(job.book, starts)}
