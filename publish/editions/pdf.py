"""The print edition: the interior laid out and written as the PDF/X interior, and the page
map beside it (`.pages.json`). The layout and the PDF are one stage where the PDF is
asked for: the PDF is written from the document just laid out, which no other stage sees."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from publish.editions.pdfx import add_crop_marks, finish
from publish.layout.interior import BLEED_MM, Interior, LayoutWriter, lay_out_interior
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
            BLEED_MM[job.profile], black_text=True))
        pdf = finish(job, document.pdf(), laid.labels)
        return Output({job.name(".pdf"): add_crop_marks(pdf) if job.profile == "press" else pdf,
                       job.name(".pages.json"): to_json(job.book, laid.pagemap)}, facts)
