"""The print layout: WeasyPrint lays the interior out once, and its pages give what every
other stage reads: the page count, the page labels and the page map. Writing the PDF is
a stage of its own (pdf.py), so an EPUB or the records alone do not write one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..pagemap import PageStart, labels_of, page_map
from ..render import environment, modified
from . import Job
from .pdfx import PageLabelRange
from .typeset import render_document

if TYPE_CHECKING:
    from weasyprint import Document

BLEED_MM = {"pod": 0.0, "press": 3.0}  # press: bleed and crop marks for an offset printer
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


def lay_out_interior(job: Job) -> Document:
    html, page_css = interior(job)
    return render_document(job, html, SHEETS, page_css)


def page_labels(document: Document, first_body_id: str) -> list[PageLabelRange]:
    """Front matter i, ii, ...; the body 1, 2, ... from the page where its first part opens."""
    body = next(i for i, page in enumerate(document.pages) if first_body_id in page.anchors)
    return [PageLabelRange(0, "roman", 1), PageLabelRange(body, "arabic", 1)]


class LayoutWriter:
    format: ClassVar[str] = "layout"  # a stage, not a format: it writes no file
    needs: ClassVar[tuple[str, ...]] = ()
    facts: ClassVar[dict[str, Any]] = {"print.pages": int, "print.labels": list[PageLabelRange],
                                       "print.pagemap": list[PageStart]}

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(),)

    def write(self, job: Job) -> dict[str, bytes]:
        document = lay_out_interior(job)
        labels = page_labels(document, job.book.parts[0].id)
        job.facts.update({
            "print.pages": len(document.pages), "print.labels": labels,
            "print.pagemap": page_map(document, labels_of(labels, len(document.pages)))})
        if "pdf" in job.stages:  # the PDF is written from this layout, not from another
            job.document = document
        return {}
