"""One ONIX 3.0 message (reference tags) with both editions as products.

The EPUB (ED / E101) and the print edition (BC or BB / B305), each with what a distributor
needs and the source knows: measures from the trim and the spine, extents from the PDF's
page labels, the EPUB's accessibility as it declares it in its own package document
(mapped to code list 196), print-on-demand availability for the print edition, each
edition's ISBN and prices. What both products say of the book (titles, series,
contributors, languages, subjects, date) is onixdetail.py's. The layout is
`templates/onix/message.xml.jinja`; these modules only choose the codes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, ClassVar

from publish.editions.epub import Epub
from publish.layout.interior import Interior
from publish.records.coded import translated
from publish.records.marc import Extent, RecordWriter, control_number, printed_extent
from publish.records.onixdetail import Price, describe, prices
from publish.render.html import environment
from publish.source.model import mm
from publish.stage import Job, NoFacts, Output

if TYPE_CHECKING:
    from publish.editions.package import Package
    from publish.source.model import Meta

FORMS = {"paperback": "BC", "hardback": "BB"}  # list 150
ADHESIVE_BOUND = "B305"  # list 175: "unsewn / adhesive bound": perfect binding, as POD binds
# schema.org accessibilityFeature -> list 196 (W3C Accessibility Metadata Display Guide).
# A feature with no ONIX code stays in the EPUB only: ONIX has no place for it.
FEATURES = {
    "tableOfContents": "11", "index": "12", "readingOrder": "13", "alternativeText": "14",
    "longDescription": "15", "MathML": "17", "ChemML": "18", "printPageNumbers": "19",
    "pageBreakMarkers": "19", "synchronizedAudioText": "20", "ttsMarkup": "21",
    "highContrastDisplay": "26", "structuralNavigation": "29", "ARIA": "30",
    "latex": "35", "displayTransformability": "36", "pageNavigation": "41",
    "describedMath": "53",
}
# schema.org accessibilityHazard -> list 143 (hazard warnings, feature type 12).
HAZARDS = {"none": "00", "flashing": "13", "noFlashingHazard": "14", "sound": "15",
           "noSoundHazard": "16", "motionSimulation": "17", "noMotionSimulationHazard": "18"}
WCAG_VERSION = {"2.0": "80", "2.1": "81", "2.2": "82"}
WCAG_LEVEL = {"A": "84", "AA": "85", "AAA": "86"}
UNPRICED_CONTACT_SUPPLIER = "04"  # list 57: book.yaml gives no price


@dataclass(frozen=True)
class Identifier:
    type: str  # list 5
    value: str
    type_name: str = ""  # only for proprietary schemes (type 01)


@dataclass(frozen=True)
class Feature:
    type: str  # list 79
    value: str
    description: str = ""


@dataclass(frozen=True)
class Quantity:
    type: str  # list 48 (measure) or list 23 (extent)
    value: str
    unit: str  # list 50 (measure) or list 24 (extent)


@dataclass(frozen=True)
class Related:
    codes: tuple[str, ...]  # list 51
    identifiers: tuple[Identifier, ...]
    form: str = ""


@dataclass(frozen=True)
class Product:
    reference: str
    identifiers: tuple[Identifier, ...]
    form: str
    form_details: tuple[str, ...]
    features: tuple[Feature, ...]
    measures: tuple[Quantity, ...]
    protection: str  # list 144, e-publications only
    extents: tuple[Quantity, ...]
    related: tuple[Related, ...]
    availability: str  # list 65
    prices: tuple[Price, ...] = ()


def decimal(value: float) -> str:
    """A measurement to a tenth, halves up, without trailing zeros: 4.25in is 107.95mm,
    which binary floats hold as 107.9499..., so round to a millionth before."""
    tenth = Decimal(str(round(value, 6))).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{tenth:f}".removesuffix(".0")


def identifiers(meta: Meta, reference: str, epub: bool) -> tuple[Identifier, ...]:
    """The product's identifier (list 5: 15, its ISBN-13; else 22, the URN book.yaml's
    `identifier` gives the EPUB or the one derived from it for print) and the publisher's
    own record number of it (01), by which RelatedProduct names the other product."""
    isbn = meta.isbn.epub if epub else meta.isbn.print
    edition = Identifier("15", isbn) if isbn else Identifier(
        "22", meta.epub_id if epub else meta.print_id)
    return edition, Identifier("01", reference, f"{meta.publisher.text} record number")


def related_original(meta: Meta) -> Related | None:
    """The edition this one reproduces or translates, by the numbers its imprint prints
    (ONIX names a product only by an identifier: an original with none is left out).
    List 51: a translation "is other-language version of" it (11), a reprint "is later
    edition of first edition" (42)."""
    original = meta.original
    if original is None or not original.numbers:
        return None
    publisher = f"{original.publisher.text} " if original.publisher else ""
    return Related(("11" if translated(meta) else "42",), tuple(
        Identifier("01", number, f"{publisher}{original.year} number")
        for number in original.numbers))


def accessibility(package: Package) -> tuple[Feature, ...]:
    """Code list 196 features for what the EPUB's package document declares, no more."""
    codes: list[str] = []
    for claim in package.conforms_to:
        if re.search(r"EPUB Accessibility 1\.1", claim):
            codes.append("04")
        elif re.search(r"epub/a11y/accessibility-20170105\.html#wcag-aa?$", claim):
            codes.append("03" if claim.endswith("aa") else "02")
        if version := re.search(r"WCAG (2\.[012])", claim):
            codes.append(WCAG_VERSION[version[1]])
        if level := re.search(r"Level (AAA|AA|A)\b", claim):
            codes.append(WCAG_LEVEL[level[1]])
    codes += [FEATURES[f] for f in package.features if f in FEATURES]
    if any(s.replace(" ", "") == "textual" for s in package.access_modes_sufficient):
        codes.append("52")  # all content readable without sight: textual is sufficient
    ordered = sorted(set(codes))
    features = [Feature("09", "00", package.summary)] if package.summary else []
    features += [Feature("09", code) for code in ordered]
    hazards = sorted({HAZARDS[h] for h in package.hazards if h in HAZARDS})
    return (*features, *(Feature("12", code) for code in hazards))


def products(job: Job, extent: Extent, package: Package, epub_size: int) -> list[Product]:
    meta = job.book.meta
    settings = meta.print
    epub_ref, print_ref = control_number(meta, "epub"), control_number(meta, "print")
    print_form = FORMS[settings.binding]
    found = related_original(meta)
    original = (found,) if found else ()
    epub = Product(
        reference=epub_ref, identifiers=identifiers(meta, epub_ref, True), form="ED",
        form_details=("E101", "E200"),  # EPUB, reflowable
        features=(Feature("10", package.version), *accessibility(package)),
        measures=(), protection="00",
        extents=(Quantity("08", str(extent.front + extent.main), "03"),  # print pages
                 Quantity("22", str(epub_size), "17")),  # file size in bytes
        related=(Related(("06", "13"), identifiers(meta, print_ref, False), print_form),
                 *original),
        availability="20", prices=prices(meta, "epub"))
    spine_mm = job.service.spine_inches(extent.total, settings.paper) * 25.4
    paper = Product(
        reference=print_ref, identifiers=identifiers(meta, print_ref, False), form=print_form,
        form_details=(ADHESIVE_BOUND,), features=(),
        measures=(Quantity("01", decimal(mm(settings.trim_height)), "mm"),
                  Quantity("02", decimal(mm(settings.trim_width)), "mm"),
                  Quantity("03", decimal(spine_mm), "mm")),
        protection="",
        extents=(Quantity("00", str(extent.main), "03"), Quantity("03", str(extent.front), "03"),
                 Quantity("06", str(extent.total), "03")),
        related=(Related(("06", "27"), identifiers(meta, epub_ref, True), "ED"),
                 *original),
        availability="23", prices=prices(meta, "print"))  # print on demand
    return [epub, paper]


class OnixWriter(RecordWriter):
    name: ClassVar[str] = "onix"
    formats: ClassVar[tuple[str, ...]] = ("onix",)

    def write(self, job: Job) -> Output[NoFacts]:
        interior, epub = job.fact(Interior), job.fact(Epub)
        extent = printed_extent(interior.labels, interior.pages, interior.numbered)
        sent = dt.datetime.fromtimestamp(job.epoch, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        xml = environment().get_template("onix/message.xml.jinja").render(
            sent=sent, products=products(job, extent, epub.package, epub.size),
            unpriced=UNPRICED_CONTACT_SUPPLIER, **describe(job.book))
        return Output({job.name(".onix.xml"): xml.encode("utf-8")}, NoFacts())
