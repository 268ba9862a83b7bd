"""The print edition: the laid-out interior written as the PDF/X interior, and the page
map beside it (`.pages.json`)."""

from __future__ import annotations

from typing import Any, ClassVar

from ..model import mm
from ..pagemap import to_json
from . import Job, PrintGeometry
from .layout import BLEED_MM, lay_out_interior
from .pdfx import add_crop_marks
from .typeset import finish, write_pdf


class PdfWriter:
    format: ClassVar[str] = "pdf"
    needs: ClassVar[tuple[str, ...]] = ("layout",)
    facts: ClassVar[dict[str, Any]] = {"pdf.print": PrintGeometry}

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(),)

    def write(self, job: Job) -> dict[str, bytes]:
        # The layout of this build; laid out again only when the layout came from the cache
        # and the PDF did not (the last build made an EPUB alone).
        document = job.document or lay_out_interior(job)
        job.document = None  # the PDF is its last reader: its memory goes now
        settings = job.book.meta.print
        job.facts["pdf.print"] = PrintGeometry(
            job.name(".pdf"), (mm(settings.trim_width), mm(settings.trim_height)),
            BLEED_MM[job.profile], black_text=True)
        pdf = finish(job, write_pdf(job, document), job.facts["print.labels"])
        return {job.name(".pdf"): add_crop_marks(pdf) if job.profile == "press" else pdf,
                job.name(".pages.json"): to_json(job.book, job.facts["print.pagemap"])}
