"""The preflight's checks of a print service's own rules (source/services.py), on the file
as the service reads it: the page count it takes, a blank last page where it wants one,
every mark inside its safe zone, the inside margin its binding needs for so many pages;
and on the cover, text clear of the trim and of the spine's folds.

Where a mark is comes from pdfium, which gives every page object's bounds (text, paths,
images) in the page's space, the way a service's preflight measures them. An object that
reaches the trim (a background, a picture set to bleed) is no mark: the rules are for what
stands inside the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c

from publish.checks import Finding

if TYPE_CHECKING:
    from pathlib import Path

    from publish.source.services import Service

VALIDATOR = "preflight"
PT = 72.0
TOLERANCE_PT = 0.5
_MARKS = (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE,
          pdfium_c.FPDF_PAGEOBJ_SHADING)

Rect = tuple[float, float, float, float]  # left, bottom, right, top


def service_findings(pdf: Path, rules: Service, cover: bool, panel_mm: float = 0
                     ) -> list[Finding]:
    """What `rules` find in the interior (or, `cover`, the cover spread) at `pdf`."""
    trims, marks = _pages(pdf, text_only=cover)
    if cover:
        return _standard(pdf, rules) + _cover(trims, marks, rules, panel_mm / 25.4 * PT)
    findings: list[Finding] = [*_standard(pdf, rules)]
    count = len(trims)
    if count % rules.pages.multiple or not rules.pages.min <= count <= rules.pages.max:
        findings.append(error("P-PAGE-COUNT", f"{count} pages: {rules.name} takes "
                               f"{rules.pages.min} to {rules.pages.max} pages, a multiple of "
                               f"{rules.pages.multiple}", "document"))
    if rules.pages.last_blank and marks and marks[-1]:
        findings.append(error("P-LAST-PAGE", f"the last page is not blank: {rules.name} "
                               "prints its own marks there", f"page {count}"))
    safe, inside = rules.safe_zone * PT, rules.least_inside(count) * PT
    for index, (trim, objects) in enumerate(zip(trims, marks, strict=True)):
        where = f"page {index + 1}"
        inner = [o for o in objects if _within(o, trim)]
        near = min((_distance(o, trim) for o in inner), default=safe)
        if near < safe - TOLERANCE_PT:
            findings.append(error("P-SAFE-ZONE", f"a mark {near / PT:.3f} in from the trim: "
                                   f"{rules.name} wants every mark (running heads and folios "
                                   f"too) {rules.safe_zone} in inside it", where))
        # A recto (odd page) is bound on its left, a verso on its right.
        binding = [(o[0] - trim[0]) if index % 2 == 0 else (trim[2] - o[2]) for o in inner]
        if binding and min(binding) < inside - TOLERANCE_PT:
            findings.append(error("P-GUTTER", f"text {min(binding) / PT:.3f} in from the "
                                   f"binding: {rules.name} wants {rules.least_inside(count)} in "
                                   f"for {count} pages", where))
    return findings


def _standard(pdf: Path, rules: Service) -> list[Finding]:
    """The PDF/X version the file claims (its XMP), among those the service accepts."""
    with pikepdf.open(pdf) as document:
        claimed = str(document.open_metadata().get("pdfxid:GTS_PDFXVersion", ""))
    if claimed in rules.accepts:
        return []
    return [error("P-STANDARD", f"the file is {claimed or 'no PDF/X'}: {rules.name} takes "
                   f"{', '.join(rules.accepts)}", "document")]


def _cover(trims: list[Rect], marks: list[list[Rect]], rules: Service, panel: float
           ) -> list[Finding]:
    """Text on the spread clear of its trim by the service's cover safe zone, and clear of
    the spine's folds: by the safe zone on the panels, by the spine text's clearance on the
    spine."""
    if not trims:
        return []
    trim, objects = trims[0], marks[0]
    left, right = trim[0] + panel, trim[2] - panel  # the spine's folds
    for box in (o for o in objects if _within(o, trim)):
        if box[0] >= left - TOLERANCE_PT and box[2] <= right + TOLERANCE_PT:  # on the spine
            room, clear, what = rules.spine_text.clearance, min(box[0] - left, right - box[2]), \
                "the spine's folds"
        else:  # on a panel: clear of the trim and of the fold on its side
            fold = left - box[2] if box[2] <= left else box[0] - right if box[0] >= right \
                else -1.0  # across a fold
            room, clear, what = rules.cover_safe_zone, min(fold, _distance(box, trim)), \
                "the trim and the folds"
        if clear < room * PT - TOLERANCE_PT:
            return [error("P-COVER-SAFE-ZONE", f"cover text {max(clear, 0) / PT:.3f} in from "
                           f"{what}: {rules.name} wants {room} in", "cover")]
    return []


def _pages(pdf: Path, text_only: bool) -> tuple[list[Rect], list[list[Rect]]]:
    """Each page's TrimBox, and the bounds of the marks drawn on it (text only: `text_only`).
    Text reaching the trim is a mark cut off: it is given as lying just inside the trim, so
    the safe zone finds it (a path or an image reaching the trim is art set to bleed)."""
    with pikepdf.open(pdf) as document:
        trims = [rect(page.obj.get("/TrimBox", page.mediabox)) for page in document.pages]
    wanted = (pdfium_c.FPDF_PAGEOBJ_TEXT,) if text_only else _MARKS
    drawn = pypdfium2.PdfDocument(pdf)
    try:
        marks = [[_clamped(tuple(obj.get_bounds()), trim, obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT)
                  for obj in page.get_objects(max_depth=4) if obj.type in wanted]
                 for page, trim in zip(drawn, trims, strict=True)]
    finally:
        drawn.close()
    return trims, marks


def _clamped(box: tuple[float, ...], trim: Rect, text: bool) -> Rect:
    left, bottom, right, top = box
    if not text:
        return left, bottom, right, top
    inset = 2 * TOLERANCE_PT  # inside the trim, nearer it than any safe zone
    return (max(left, trim[0] + inset), max(bottom, trim[1] + inset),
            min(right, trim[2] - inset), min(top, trim[3] - inset))


def rect(value: pikepdf.Object) -> Rect:
    """A PDF rectangle as (left, bottom, right, top), whichever corners it names."""
    x0, y0, x1, y1 = (float(v) for v in value.as_list())
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _within(box: Rect, trim: Rect) -> bool:
    """Wholly inside the trim, touching none of its edges: a mark, not bleed art."""
    return (box[0] > trim[0] + TOLERANCE_PT and box[1] > trim[1] + TOLERANCE_PT
            and box[2] < trim[2] - TOLERANCE_PT and box[3] < trim[3] - TOLERANCE_PT)


def _distance(box: Rect, trim: Rect) -> float:
    return min(box[0] - trim[0], box[1] - trim[1], trim[2] - box[2], trim[3] - box[3])


def error(code: str, message: str, location: str = "document") -> Finding:
    """An error of the preflight (preflight.py's findings and this module's)."""
    return Finding(VALIDATOR, "error", code, message, location)
