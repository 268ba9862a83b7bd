"""The print edition: the interior laid out and written as the PDF/X interior, and the page
map beside it (`.pages.json`). The layout and the PDF are one stage where the PDF is
asked for: the PDF is written from the document just laid out, which no other stage sees."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import ClassVar

import pikepdf

from publish.editions.pdfx import add_crop_marks, finish
from publish.layout.interior import Interior, LayoutWriter, bleed_mm, lay_out_interior
from publish.layout.pagemap import to_json
from publish.source.model import mm
from publish.stage import Job, Output, PrintFile


class PdfWriter(LayoutWriter):
    name: ClassVar[str] = "pdf"
    formats: ClassVar[tuple[str, ...]] = ("pdf",)

    def write(self, job: Job) -> Output[Interior]:
        document, laid = lay_out_interior(job)
        settings = job.book.meta.print
        facts = replace(laid, pdf=PrintFile(
            job.name(".pdf"), (mm(settings.trim_width), mm(settings.trim_height)),
            bleed_mm(job), black_text=True))
        pdf = finish(job, with_blank_pages(document.pdf(), laid.blank_end), laid.labels)
        return Output({job.name(".pdf"): add_crop_marks(pdf) if job.service.marks else pdf,
                       job.name(".pages.json"): to_json(job.book, laid.pagemap)}, facts)


def with_blank_pages(pdf: bytes, count: int) -> bytes:
    """The PDF with `count` blank pages after its last, each with the last page's boxes
    (the print service's page count: layout/interior.py). WeasyPrint has no way to end a
    document with pages of nothing, hence pikepdf; finish() then labels them."""
    if not count:
        return pdf
    with pikepdf.open(io.BytesIO(pdf)) as document:
        last = document.pages[-1]
        for _ in range(count):
            page = document.add_blank_page()
            page.obj.MediaBox = pikepdf.Array(list(last.mediabox))  # resolved if inherited
            for box in ("/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
                if box in last.obj:
                    page.obj[box] = pikepdf.Array(list(last.obj[box]))
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
