"""The print-on-demand cover: one spread (back, spine, front) with bleed, from
`templates/print/cover.html.jinja`, and its front panel as the EPUB's cover image."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import pypdfium2
from isbnlib import mask
from markupsafe import Markup
from pydantic import ConfigDict, with_config

from publish.editions.barcodes import MODULE_MM, Barcode, barcode, price_addon
from publish.editions.pdfx import finish
from publish.errors import SourceError
from publish.layout.interior import Interior
from publish.layout.typeset import lay_out
from publish.render.html import environment, modified
from publish.source.model import mm
from publish.stage import Facts, Job, Output, PrintFile

if TYPE_CHECKING:
    from publish.source.model import Meta, Print
    from publish.source.services import Service

SHEETS = ["color.css", "base.css", "cover.css"]

COVER_IMAGE_HEIGHT = 2400  # pixels: the EPUB's cover image


def cover_size(settings: Print, pages: int, rules: Service) -> tuple[float, float]:
    """The cover spread's width and height in inches: 2 panels + the spine (by the service's
    formula) + 2 bleeds."""
    width = mm(settings.trim_width) / 25.4
    height = mm(settings.trim_height) / 25.4
    bleed = rules.cover_bleed
    return 2 * width + rules.spine_inches(pages, settings.paper) + 2 * bleed, height + 2 * bleed


def _html(job: Job, pages: int) -> tuple[str, str]:
    """The cover's HTML, and the CSS that gives its page and columns their sizes: the page
    is the trimmed spread and the bleed lies outside it."""
    settings = job.book.meta.print
    front = job.rendering("print").section("cover").html
    panel = mm(settings.trim_width) / 25.4
    height = mm(settings.trim_height) / 25.4
    rules = job.service
    spine = rules.spine_inches(pages, settings.paper)
    meta = job.book.meta
    spine_size = rules.spine_text_size(pages, settings.paper)
    box = rules.barcode
    html = environment().get_template("print/cover.html.jinja").render(
        meta=meta, modified=modified(job.epoch), front=Markup(front), back=True,
        spine_text=spine_size > 0, back_text=back_text(meta),
        isbn=mask(meta.isbn.print) or meta.isbn.print if meta.isbn.print else "",
        barcode=isbn_barcode(meta), box=box, module=MODULE_MM)
    # The back's text stands above the barcode box, whether a barcode is printed in it or
    # the service prints its own there.
    page = (f"@page {{ size: {2 * panel + spine:.4f}in {height:.4f}in; margin: 0; "
            f"bleed: {rules.cover_bleed}in; }}\n"
            f".spread {{ grid-template-columns: {panel:.4f}in {spine:.4f}in {panel:.4f}in; }}\n"
            f".spine-title {{ font-size: {spine_size}pt; }}\n"
            f".back-text {{ bottom: {box.from_bottom + box.height + 0.3:.3f}in; }}")
    return html, page


def back_text(meta: Meta) -> str:
    """What the back cover says: `back_cover`, else the description."""
    return meta.back_cover or meta.description or ""


def isbn_barcode(meta: Meta) -> Barcode | None:
    """The print edition's ISBN as a barcode, with the add-on of its price where book.yaml
    gives one the add-on can hold (the first of the print edition's)."""
    if not meta.isbn.print:
        return None
    price = next((p for p in meta.prices if p.edition == "print"), None)
    return barcode(meta.isbn.print, price_addon(price.amount, price.currency) if price else "")


def _back_too_long(job: Job) -> SourceError:
    """The back cover's text runs past the space above the barcode box."""
    meta = job.book.meta
    key = "back_cover" if meta.back_cover else "description"
    fix = f"shorten `{key}`" + (", or give the back a `back_cover` text of its own"
                                if key == "description" else "")
    return SourceError("S-BACK-COVER", f"the back cover's text (`{key}`) is too long for the "
                       "space above the barcode box", fix, "book.yaml", job.book.key_lines.get(key))


def front_image(pdf: bytes, settings: Print, pages: int, rules: Service) -> bytes:
    """The spread's front panel, trimmed, as a JPEG image for the EPUB: cut from the laid-out
    spread, so the cover is laid out once for both editions. JPEG, as the stores ask for a
    cover, and encoded in a hundredth of the time PNG took (0.25 s, make bench)."""
    spread = pypdfium2.PdfDocument(pdf)
    page = spread[0]
    bleed = rules.cover_bleed * 72
    back_and_spine = (mm(settings.trim_width) / 25.4 + rules.spine_inches(pages, settings.paper)
                      ) * 72
    scale = COVER_IMAGE_HEIGHT / (page.get_height() - 2 * bleed)
    # crop: points cut from the left, bottom, right and top edges
    image = page.render(scale=scale, crop=(bleed + back_and_spine, bleed, bleed, bleed)).to_pil()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=92)
    return out.getvalue()


@with_config(ConfigDict(ser_json_bytes="base64", val_json_bytes="base64"))
@dataclass(frozen=True)
class Cover(Facts):
    """The cover: its print file, and its front panel as the EPUB's cover image (JPEG)."""

    pdf: PrintFile
    image: bytes = field(repr=False)

    def print_files(self) -> tuple[PrintFile, ...]:
        return (self.pdf,)


class CoverWriter:
    name: ClassVar[str] = "cover"
    formats: ClassVar[tuple[str, ...]] = ("cover",)
    needs: ClassVar[tuple[type[Facts], ...]] = (Interior,)
    makes: ClassVar[type[Facts]] = Cover

    def inputs(self, job: Job) -> tuple[object, ...]:
        # The cover shows the book's metadata only; of the interior, only its page count
        # (the spine's width): an edit of the text reuses the cover.
        return (job.book.meta.model_dump_json(), job.fact(Interior).pages, job.profile)

    def write(self, job: Job) -> Output[Cover]:
        pages = job.fact(Interior).pages
        html, page = _html(job, pages)
        pdf, fits = lay_out(job, html, SHEETS, page, block="back-text")
        if not fits:
            raise _back_too_long(job)
        rules = job.service
        width, height = cover_size(job.book.meta.print, pages, rules)
        bleed = rules.cover_bleed
        facts = Cover(PrintFile(
            job.name("-cover.pdf"), ((width - 2 * bleed) * 25.4, (height - 2 * bleed) * 25.4),
            bleed * 25.4, black_text=False, cover=True),
            front_image(pdf, job.book.meta.print, pages, rules))
        return Output({job.name("-cover.pdf"): finish(job, pdf, [])}, facts)
