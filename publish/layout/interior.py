"""The print layout: WeasyPrint lays the interior out, and its pages give what every other
stage reads: the page count, the page labels and the page map (the `Interior` facts).

The PDF is written from the same laid-out document, in the same stage
(`editions/pdf.py`), so a document is never handed from one stage to another; an EPUB
or the records alone lay the book out but write no PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from publish.layout.labels import PageLabelRange, labels_of
from publish.layout.pagemap import PageStart, page_map
from publish.layout.typeset import Laid, render_document
from publish.render.html import environment, modified
from publish.stage import Facts, Job, Output, PrintFile

if TYPE_CHECKING:
    from weasyprint import Document

BLEED_MM = {"pod": 0.0, "press": 3.0}  # press: bleed and crop marks for an offset printer
SHEETS = ["color.css", "base.css", "print.css"]


@dataclass(frozen=True)
class Interior(Facts):
    """The laid-out interior: its pages, their labels and where each begins in the text;
    `pdf` is the interior's PDF when this build wrote one."""

    pages: int
    labels: tuple[PageLabelRange, ...]
    pagemap: tuple[PageStart, ...]
    pdf: PrintFile | None = None

    def print_files(self) -> tuple[PrintFile, ...]:
        return (self.pdf,) if self.pdf else ()


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


def lay_out_interior(job: Job) -> tuple[Laid, Interior]:
    """The laid-out interior (its PDF to be written), and what its pages tell the others."""
    html, page_css = interior(job)
    document = render_document(job, html, SHEETS, page_css)
    body = next((p for p in job.book.parts if p.matter != "front"), job.book.parts[-1])
    labels = page_labels(document, body.id)
    count = len(document.pages)
    return Laid(job, document), Interior(count, tuple(labels),
                                         tuple(page_map(document, labels_of(labels, count))))


def page_labels(document: Document, first_body_id: str) -> list[PageLabelRange]:
    """Front matter i, ii, ...; the body 1, 2, ... from the page where its first part opens."""
    body = next(i for i, page in enumerate(document.pages) if first_body_id in page.anchors)
    return [PageLabelRange(0, "roman", 1), PageLabelRange(body, "arabic", 1)]


class LayoutWriter:
    """The layout alone, where no PDF is asked for (an EPUB or the records alone)."""

    name: ClassVar[str] = "layout"
    formats: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[type[Facts], ...]] = ()
    makes: ClassVar[type[Facts]] = Interior

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(),)

    def write(self, job: Job) -> Output[Interior]:
        return Output({}, lay_out_interior(job)[1])
