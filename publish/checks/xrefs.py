"""`publish check`'s printed page references ("see page 42", `{.page}`), read back from
both editions: the number each edition prints is the page its target lies on.

- The EPUB: the label a reference prints is the page-list's page at its target (the
  last page-break marker before the target's element, in reading order).
- The PDF: the page of the target's named destination (WeasyPrint writes one for each
  id) has that label, and a link to the target prints it.
"""

from __future__ import annotations

import bisect
from pathlib import Path

import pikepdf
import pypdfium2

from publish.checks import Finding
from publish.checks.readback import NS, Epub, letters, read_epub

CHECK = "pages"


def _error(message: str, where: str) -> Finding:
    return Finding(CHECK, "error", "V-PAGE-REF", message, where)


def page_references_printed(epub_path: Path, pdf_path: Path) -> list[Finding]:
    with Epub(epub_path) as epub:
        reading = read_epub(epub)
        printed: list[tuple[str, str, str]] = []  # (file, target id, the label printed)
        for name in epub.spine():
            for span in epub.xml(name).iterfind(".//x:span[@data-target]", NS):
                target = str(span.get("data-target")).removeprefix("#")
                printed.append((name, target, "".join(span.itertext()).strip()))
        where_is = {id: (file, at) for (file, id), at in reading.anchors.items()}
    if not printed:
        return []
    order = sorted((at, label) for label, at in reading.markers.items())
    places = [at for at, _ in order]
    pdf_pages, pdf_links = _pdf(pdf_path)
    findings = []
    for file, target, label in printed:
        found = where_is.get(target)
        if found is None:
            findings.append(_error(f"a page reference leads to '{target}', which the EPUB "
                                   "does not hold", file))
            continue
        at = bisect.bisect_right(places, found[1]) - 1
        listed = order[at][1] if at >= 0 else ""
        if label != listed:
            findings.append(_error(f"a reference to '{target}' prints page '{label}'; the "
                                   f"page-list puts the target on page '{listed}'", file))
        on_pdf = pdf_pages.get(target)
        if on_pdf != label:
            findings.append(_error(f"a reference to '{target}' prints page '{label}'; in the "
                                   f"PDF the target is on page '{on_pdf}'", file))
        elif not any(text.endswith(letters(label)) for text in pdf_links.get(target, [])):
            findings.append(_error(f"no link of the PDF to '{target}' prints its page "
                                   f"'{label}'", pdf_path.name))
    return findings


def _pdf(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The page label of each named destination, and the letters each link to one prints
    (the text in its rectangle)."""
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}
        labels = [str(page.label) for page in pdf.pages]
        names = pdf.Root.get("/Names")
        dests: dict[str, str] = {}
        if names is not None and "/Dests" in names:
            for name, value in pikepdf.NameTree(names.Dests).items():
                array = value.get("/D", value) if isinstance(value, pikepdf.Dictionary) else value
                page = index.get(array[0].objgen) if len(array) else None
                if page is not None:
                    dests[str(name)] = labels[page]
        rects: list[tuple[int, str, list[float]]] = [
            (n, str(annot.Dest), [float(v) for v in annot.Rect])
            for n, page in enumerate(pdf.pages) for annot in page.get("/Annots", []) or []
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot]
    links: dict[str, list[str]] = {}
    document = pypdfium2.PdfDocument(path)
    try:
        for n, dest, (left, bottom, right, top) in rects:
            text = document[n].get_textpage().get_text_bounded(left, bottom, right, top)
            links.setdefault(dest, []).append(letters(str(text)))
    finally:
        document.close()
    return dests, links
