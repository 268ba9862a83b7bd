"""`publish check`'s figures: each figure as the editions hold it, and its printed resolution.

The PDF is read back for the size each image is drawn at (pdfium), so the resolution
reported is the printed one, whatever the style sheets did; the EPUB for the image file
and its alt text. A figure printed below GOOD_PPI is a warning (the build refuses one
below MIN_PPI: source/figures.py), and each figure is listed, as info.
"""

from __future__ import annotations

from pathlib import Path

from publish.checks import Finding
from publish.checks.readback import NS, Epub, pdf_images
from publish.source.figures import GOOD_PPI
from publish.source.model import Book

CHECK = "figures"
_SIZE_MM = 0.5  # how far the drawn width may be from the one the book asks


def figures(book: Book, pdf: Path, epub_path: Path) -> list[Finding]:
    wanted = [f for part in book.parts for f in part.figures]
    placed = pdf_images(pdf)
    findings: list[Finding] = []
    if len(placed) != len(wanted):
        return [Finding(CHECK, "error", "V-FIGURE", f"the PDF draws {len(placed)} images for "
                        f"the book's {len(wanted)} figures", pdf.name)]
    alts = _epub_images(epub_path)
    for figure, image in zip(wanted, placed, strict=True):
        where = f"{figure.src} (page {image.label or image.page + 1})"
        width_mm, height_mm = (side / 72 * 25.4 for side in image.size_pt)
        ppi = int(image.pixels[0] / (image.size_pt[0] / 72))
        if abs(width_mm - figure.width_mm) > _SIZE_MM or image.pixels != figure.pixels:
            findings.append(Finding(CHECK, "error", "V-FIGURE", f"figure {figure.number} is "
                                    f"drawn {width_mm:.1f} mm wide of {image.pixels[0]} "
                                    f"pixels; the book asks {figure.width_mm:.1f} mm of "
                                    f"{figure.pixels[0]}", where))
        findings.append(Finding(CHECK, "warning" if ppi < GOOD_PPI else "info",
                                "V-FIGURE-PPI", f"figure {figure.number}: "
                                f"{image.pixels[0]}x{image.pixels[1]} pixels printed "
                                f"{width_mm:.0f}x{height_mm:.0f} mm, {ppi} ppi"
                                + (f" (below the {GOOD_PPI} ppi printers ask for)"
                                   if ppi < GOOD_PPI else ""), where))
        if alts.get(figure.epub_file) != figure.alt:
            findings.append(Finding(CHECK, "error", "V-FIGURE", f"figure {figure.number}'s "
                                    "image is not in the EPUB with its alt text", where))
    return findings


def _epub_images(path: Path) -> dict[str, str]:
    """Each image file the EPUB's pages show (its zip name, less the package's folder),
    with its alt text, where the file is in the EPUB."""
    out: dict[str, str] = {}
    with Epub(path) as epub:
        folder = epub.opf_path.rpartition("/")[0]
        for name in epub.spine():
            for img in epub.xml(name).iterfind(".//x:img", NS):
                target = epub.resolve(str(img.get("src")), name)
                if epub.has(target):
                    out[target.removeprefix(f"{folder}/")] = str(img.get("alt") or "")
    return out

