"""The print-on-demand cover: one spread (back, spine, front) with bleed, and its front
panel as the EPUB's cover image, both from `templates/print/cover.html.jinja`."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

import pypdfium2
from markupsafe import Markup

from ..model import mm
from ..render import environment, modified, render
from . import Job
from .pdf import finish, lay_out

if TYPE_CHECKING:
    from ..model import Print

SHEETS = ["color.css", "base.css", "cover.css"]

BLEED_IN = 0.125  # KDP, Lulu and IngramSpark all ask 0.125 in on every outer edge
# Inches of spine per page, by service and paper (research notes: KDP's and Lulu's rules).
KDP_PER_PAGE = {"white": 0.002252, "cream": 0.0025}
SPINE_TEXT_MIN_PAGES = 79  # KDP prints spine text only from 79 pages
COVER_IMAGE_HEIGHT = 2400  # pixels: the EPUB's cover image


def spine_inches(pages: int, paper: str) -> float:
    """The spine width of a perfect-bound book of `pages` pages on `paper` (KDP's rule)."""
    return pages * KDP_PER_PAGE[paper]


def lulu_spine_inches(pages: int) -> float:
    """Lulu's rule for a perfect-bound spine, for comparison in the tests and the README."""
    return pages / 444 + 0.06


def cover_size(settings: Print, pages: int) -> tuple[float, float]:
    """The cover spread's width and height in inches: 2 panels + spine + 2 bleeds."""
    width = mm(settings.trim_width) / 25.4
    height = mm(settings.trim_height) / 25.4
    return 2 * width + spine_inches(pages, settings.paper) + 2 * BLEED_IN, height + 2 * BLEED_IN


def _html(job: Job, *, back: bool, pages: int) -> tuple[str, str]:
    """The cover's HTML, and the CSS that gives its page and columns their sizes: the page
    is the trimmed spread (or the front panel alone) and the bleed lies outside it."""
    settings = job.book.meta.print
    front = render(job.book, "print").section("cover").html
    panel = mm(settings.trim_width) / 25.4
    height = mm(settings.trim_height) / 25.4
    spine = spine_inches(pages, settings.paper) if back else 0.0
    html = environment().get_template("print/cover.html.jinja").render(
        meta=job.book.meta, modified=modified(job.epoch), front=Markup(front), back=back,
        spine_text=pages >= SPINE_TEXT_MIN_PAGES)
    if back:
        size, columns = f"{2 * panel + spine:.4f}in {height:.4f}in", (
            f"{panel:.4f}in {spine:.4f}in {panel:.4f}in")
        bleed = f"bleed: {BLEED_IN}in;"
    else:
        size, columns, bleed = f"{panel:.4f}in {height:.4f}in", f"{panel:.4f}in", ""
    page = (f"@page {{ size: {size}; margin: 0; {bleed} }}\n"
            f".spread {{ grid-template-columns: {columns}; }}")
    return html, page


def front_png(job: Job) -> bytes:
    """The front panel, trimmed, as a PNG image for the EPUB."""
    html, page = _html(job, back=False, pages=0)
    laid = lay_out(job, html, SHEETS, page)
    pdf = pypdfium2.PdfDocument(laid.pdf)
    page = pdf[0]
    scale = COVER_IMAGE_HEIGHT / page.get_height()
    image = page.render(scale=scale).to_pil()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


class CoverWriter:
    format: ClassVar[str] = "cover"
    needs: ClassVar[tuple[str, ...]] = ("pdf",)

    def write(self, job: Job) -> dict[str, bytes]:
        pages = int(job.facts["pdf.pages"])
        html, page = _html(job, back=True, pages=pages)
        laid = lay_out(job, html, SHEETS, page)
        width, height = cover_size(job.book.meta.print, pages)
        job.to_preflight(job.name("-cover.pdf"),
                         ((width - 2 * BLEED_IN) * 25.4, (height - 2 * BLEED_IN) * 25.4),
                         BLEED_IN * 25.4, black_text=False)
        return {job.name("-cover.pdf"): finish(job, laid.pdf, [])}
