"""Finishing of the PDF/X-4 interior that WeasyPrint wrote: reproducible ids, labels, outline
(and its tags: pdftags.py).

WeasyPrint 70 leaves three things a print file needs: its PDF/X-4 XMP carries a random
`xmpMM:DocumentID` (uuid4) and, through it, a trailer /ID that changes on every run; it
writes no /PageLabels (front matter numbered i, ii, ...); and it does not set
`/PageMode /UseOutlines`, so the bookmarks stay hidden when the file opens.

This works with pikepdf on the finished bytes rather than in WeasyPrint's `finisher=`
callback: the callback hands over WeasyPrint's private pydyf objects (the XMP is an
already-serialised byte string in a pydyf.Stream, the /ID is computed later by pydyf),
so editing them there depends on WeasyPrint internals; on the bytes the step is a plain
function of a PDF, testable on its own, and qpdf's writer gives deterministic output
(objects renumbered in a fixed traversal order, dictionary keys sorted, the second /ID
half an MD5 of the content with `deterministic_id`).

Identifiers, all derived from `document_id_seed` (e.g. the ISBN and edition):
- xmpMM:DocumentID = a name-based uuid of the seed: the same for every build of the book;
- xmpMM:InstanceID = a name-based uuid of the seed and of the content: it changes only
  when the bytes of the rendition change;
- trailer /ID = [first 16 bytes of SHA-256 of the seed, MD5 of the written content].
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pikepdf

from publish.editions.pdftags import finish_tags
from publish.errors import OutputError
from publish.layout.labels import PageLabelRange

if TYPE_CHECKING:
    from publish.stage import Job

# Namespace of the name-based uuids below: fixed, so the ids never depend on the machine.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "publish:pdfx")
_PLACEHOLDER_INSTANCE = "uuid:00000000-0000-0000-0000-000000000000"
_STYLE = {"roman": pikepdf.Name("/r"), "arabic": pikepdf.Name("/D")}


def finish_pdf(
    pdf_bytes: bytes,
    *,
    page_labels: Sequence[PageLabelRange],
    open_outline: bool = True,
    document_id_seed: bytes,
) -> bytes:
    """Return `pdf_bytes` with fixed ids, /PageLabels and /PageMode; same input, same bytes.

    `open_outline` sets /PageMode /UseOutlines when the PDF has bookmarks (else none is set).
    An empty `page_labels` removes /PageLabels. Bad ranges raise OutputError O-PAGE-LABELS.
    """
    try:
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    except pikepdf.PdfError as error:
        raise OutputError(
            "O-PDF-UNREADABLE",
            f"the interior PDF cannot be read: {error}",
            "report it: WeasyPrint wrote a PDF that qpdf cannot parse",
        ) from None
    with pdf:
        finish_tags(pdf)
        _set_page_labels(pdf, page_labels)
        _set_page_mode(pdf, open_outline)
        document_id = f"uuid:{uuid.uuid5(_NAMESPACE, 'document:' + document_id_seed.hex())}"
        has_xmp = "/Metadata" in pdf.Root
        if has_xmp:
            _set_xmp_ids(pdf, document_id, _PLACEHOLDER_INSTANCE)
        permanent = hashlib.sha256(b"publish-pdf-id\0" + document_id_seed).digest()[:16]
        pdf.trailer.ID = pikepdf.Array([pikepdf.String(permanent), pikepdf.String(permanent)])
        if has_xmp:
            # The instance id names these very bytes: hash a first pass written with the
            # placeholder, then write the result again with the id derived from that hash.
            digest = hashlib.sha256(_save(pdf)).hexdigest()
            instance = uuid.uuid5(_NAMESPACE, f"instance:{document_id_seed.hex()}:{digest}")
            _set_xmp_ids(pdf, document_id, f"uuid:{instance}")
        return _save(pdf)


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        # /ID[0] stays as set above; /ID[1] becomes an MD5 of the content written.
        deterministic_id=True,
        # Keep the PDF version and xref form WeasyPrint chose for the variant
        # (1.4 without object streams for X-1a, 1.6 with them for X-4).
        object_stream_mode=pikepdf.ObjectStreamMode.preserve,
        compress_streams=True,
        recompress_flate=False,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        normalize_content=False,
        linearize=False,
        # Leave the XMP as WeasyPrint wrote it (no pdf:PDFVersion added).
        fix_metadata_version=False,
    )
    return out.getvalue()


def _set_page_labels(pdf: pikepdf.Pdf, ranges: Sequence[PageLabelRange]) -> None:
    if not ranges:
        if "/PageLabels" in pdf.Root:
            del pdf.Root.PageLabels
        return
    count = len(pdf.pages)
    problem = _label_problem(ranges, count)
    if problem:
        raise OutputError(
            "O-PAGE-LABELS",
            f"page label ranges: {problem}",
            "start the first range at page index 0, keep the start indexes "
            "increasing and below the page count, and count from 1 or more",
        )
    nums = pikepdf.Array()
    for label_range in ranges:
        label = pikepdf.Dictionary(Type=pikepdf.Name("/PageLabel"))
        if label_range.style in _STYLE:
            label.S = _STYLE[label_range.style]
            if label_range.first != 1:
                label.St = label_range.first
        nums.append(label_range.start_index)
        nums.append(label)
    pdf.Root.PageLabels = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))


def _label_problem(ranges: Sequence[PageLabelRange], count: int) -> str:
    if ranges[0].start_index != 0:
        return f"the first range starts at page index {ranges[0].start_index}, not 0"
    previous = -1
    for label_range in ranges:
        if label_range.style not in ("roman", "arabic", "none"):
            return f"unknown style {label_range.style!r}"
        if label_range.start_index <= previous:
            return f"start index {label_range.start_index} does not follow {previous}"
        if label_range.start_index >= count:
            return f"start index {label_range.start_index} is past the last page ({count - 1})"
        if label_range.first < 1:
            return f"a range counts from {label_range.first}; PDF labels count from 1"
        previous = label_range.start_index
    return ""


def _set_page_mode(pdf: pikepdf.Pdf, open_outline: bool) -> None:
    outlines = pdf.Root.get("/Outlines")
    has_outline = isinstance(outlines, pikepdf.Dictionary) and "/First" in outlines
    if open_outline and has_outline:
        pdf.Root.PageMode = pikepdf.Name("/UseOutlines")
    elif "/PageMode" in pdf.Root:
        del pdf.Root.PageMode


def _set_xmp_ids(pdf: pikepdf.Pdf, document_id: str, instance_id: str) -> None:
    # Neither pikepdf as editor (it would add the current time) nor a docinfo sync.
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["xmpMM:DocumentID"] = document_id
        xmp["xmpMM:InstanceID"] = instance_id


# Crop marks for an offset printer, drawn by hand: WeasyPrint's own `marks: crop` are RGB
# and sit inside the bleed, where a PDF/X file must have no RGB and a press wants none.
MARK_OFFSET_PT = 3.0  # the gap between the bleed's edge and a mark
MARK_LENGTH_PT = 15.0
_REGISTRATION = b"1 1 1 1 K"  # every ink, so each plate carries the marks


def add_crop_marks(pdf_bytes: bytes) -> bytes:
    """Grow each page's MediaBox around its BleedBox and draw CMYK crop marks there,
    at the TrimBox's corners."""
    reach = MARK_OFFSET_PT + MARK_LENGTH_PT
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            bx0, by0, bx1, by1 = (float(v) for v in page.obj.get("/BleedBox", page.obj.TrimBox))
            media = pikepdf.Array([bx0 - reach, by0 - reach, bx1 + reach, by1 + reach])
            page.obj.MediaBox = media
            if "/CropBox" in page.obj:
                page.obj.CropBox = media
            page.obj.ArtBox = page.obj.TrimBox
            lines = []
            for x, left in ((x0, bx0 - MARK_OFFSET_PT), (x1, bx1 + MARK_OFFSET_PT)):
                end = left - MARK_LENGTH_PT if x == x0 else left + MARK_LENGTH_PT
                for y in (y0, y1):
                    lines.append(f"{left:.3f} {y:.3f} m {end:.3f} {y:.3f} l S")
            for y, below in ((y0, by0 - MARK_OFFSET_PT), (y1, by1 + MARK_OFFSET_PT)):
                end = below - MARK_LENGTH_PT if y == y0 else below + MARK_LENGTH_PT
                for x in (x0, x1):
                    lines.append(f"{x:.3f} {below:.3f} m {x:.3f} {end:.3f} l S")
            marks = b"Q q 0.25 w " + _REGISTRATION + b" " + " ".join(lines).encode() + b" Q"
            page.contents_add(pdf.make_stream(b"q"), prepend=True)
            page.contents_add(pdf.make_stream(marks))
        return _save(pdf)


def finish(job: Job, pdf: bytes, labels: Sequence[PageLabelRange]) -> bytes:
    """Reproducible ids, page labels and an outline shown on opening, for a PDF of `job`."""
    return finish_pdf(pdf, page_labels=labels,
                      document_id_seed=job.book.meta.print_id.encode())
