"""The print layout: WeasyPrint lays the interior out, and its pages give what every other
stage reads: the page count, the page labels and the page map (the `Interior` facts).

The PDF is written from the same laid-out document, in the same stage
(`editions/pdf.py`), so a document is never handed from one stage to another; an EPUB
or the records alone lay the book out but write no PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from publish.errors import OutputError, SourceError
from publish.layout.labels import PageLabelRange, labels_of
from publish.layout.longnotes import (
    Unsplittable,
    area_of,
    calls_on,
    over_top,
    placed_parts,
    settle,
)
from publish.layout.notesplit import Continuation, Splits, apply
from publish.layout.orphans import keep_lines, orphans_css
from publish.layout.pagemap import PageStart, anchors_on_pages, folios, page_map
from publish.layout.pagemap import blank as is_blank
from publish.layout.typeset import Laid, render_document
from publish.render.html import environment, modified, notes_of
from publish.source.model import mm
from publish.stage import Facts, Job, Output, PrintFile

if TYPE_CHECKING:
    from weasyprint import Document

# Room a running head or a folio needs between the service's safe zone and the text: its
# line, and a little air. A margin narrower than the safe zone and this is widened.
HEAD_BAND_IN = 0.2


def margins(job: Job) -> dict[str, str]:
    """The page's margins for the job's service: book.yaml's, each widened where the
    service's safe zone would not leave room inside it (the sides: the text itself; the
    head and foot: a running head's or a folio's line too). A margin wide enough is kept as
    written, so the layout of a book that fits is the same for every service."""
    given = job.book.meta.print.margins
    safe = job.service.safe_zone
    least = {"top": safe + HEAD_BAND_IN, "bottom": safe + HEAD_BAND_IN,
             "inside": safe, "outside": safe}
    out = {}
    for side, inches in least.items():
        written = str(getattr(given, side))
        out[side] = written if mm(written) >= inches * 25.4 - 0.01 else f"{inches}in"
    return out


def bleed_mm(job: Job) -> float:
    """The interior's bleed for the job's service (press: 3 mm, with crop marks)."""
    return round(job.service.interior_bleed * 25.4, 2)


SHEETS = ["color.css", "base.css", "print.css"]


@dataclass(frozen=True)
class Interior(Facts):
    """The laid-out interior: its pages, their labels and where each begins in the text;
    `pdf` is the interior's PDF when this build wrote one."""

    pages: int
    labels: tuple[PageLabelRange, ...]
    pagemap: tuple[PageStart, ...]
    # The printed page of each cross-reference's target: (id, label)
    targets: tuple[tuple[str, str], ...] = ()
    pdf: PrintFile | None = None
    numbered: tuple[bool, ...] = ()  # whether each page prints its number (pagemap.folios)
    blank_end: int = 0  # blank pages added at the end for the print service (in `pages`)

    def print_files(self) -> tuple[PrintFile, ...]:
        return (self.pdf,) if self.pdf else ()


def interior(job: Job) -> tuple[str, str]:
    """The interior's HTML, and the CSS of its pages (laid out with SHEETS): what the
    benchmark also gives WeasyPrint alone, as the floor the build is measured against."""
    env = environment()
    html = env.get_template("print/book.html.jinja").render(
        meta=job.book.meta, modified=modified(job.epoch),
        sections=[s for s in job.rendering("print").sections if s.id != "cover"])
    page_css = env.get_template("print/page.css.jinja").render(
        settings=job.book.meta.print, margins=margins(job), safe=job.service.safe_zone,
        bleed=f"{bleed_mm(job)}mm" if bleed_mm(job) else None)
    return html, page_css


# Laid out again while a cross-reference's printed page changes what it lays out (its
# digits move a line, and the target with it), and while a long note is being split
# (longnotes.py): twice or three times in most books, never more than this.
MAX_PASSES = 12
PAGE_NUMBER = re.compile(r'(<span class="page-number[^"]*" data-target="#([^"]+)">)[^<]*</span>')


def lay_out_interior(job: Job) -> tuple[Laid, Interior]:
    """The laid-out interior (its PDF to be written), and what its pages tell the others.

    A cross-reference that prints its target's page (`{.page}`) gets the label the layout
    gave that page, written into the HTML (not CSS target-counter(), which WeasyPrint 70
    gets wrong for a target inside a table that footnotes push on); a note too long for
    its page's foot is split, its rest going on at the foot of the next (longnotes.py).
    The interior is laid out again until the numbers and the notes stand still: the EPUB
    prints the same labels."""
    source, page_css = interior(job)
    wanted = {name for part in job.book.parts for name, _ in part.text.xrefs}
    asked = bool(PAGE_NUMBER.search(source))
    body = next((p for p in job.book.parts if p.matter != "front"), job.book.parts[-1])
    targets: dict[str, str] = {}
    splits: dict[str, tuple[Continuation, ...]] = {}
    kept: dict[str, int] = {}  # the paragraphs given more orphans (orphans.py)
    floated = bool(wanted_notes(job))
    for number in range(MAX_PASSES):
        last = number == MAX_PASSES - 1
        html = PAGE_NUMBER.sub(partial(_labelled, targets), apply(source, splits))
        document = render_document(job, html, SHEETS, page_css + orphans_css(kept))
        labels = page_labels(document, body.id)
        count = len(document.pages)
        page_labels_ = labels_of(labels, count)
        starts = page_map(document, page_labels_)
        found = anchors_on_pages(document, page_labels_, wanted)
        calls = [calls_on(page._page_box.children[0]) for page in document.pages] \
            if floated else []
        moved, excused = keep_lines(document, starts, calls, kept) if floated else ({}, set())
        try:  # a book with no notes at its pages' feet has none to split
            settled = settle(document, starts, calls, splits, excused) if floated else {}
        except Unsplittable as refused:
            raise _too_long(job, refused.note, refused.at_end) from None
        numbers_stand = not asked or found == targets
        notes_stand = settled == splits and moved == kept
        if numbers_stand and (notes_stand or (last and _notes_whole(document, splits))):
            # Settled; or, at the last pass, the notes whole and below their pages' tops
            # with a part that keeps moving between two places: it stands at one of them.
            _notes_fit(job, document, splits)
            break
        targets, splits, kept = found, settled, moved
    else:
        raise OutputError("O-PAGE-MAP", "the cross-references' page numbers or the long "
                          f"notes do not settle: each layout moves them again (after "
                          f"{MAX_PASSES})", "report it, with the book")
    # The blank pages the service wants at the end (a count it takes, a blank last page):
    # written into the PDF by the PDF writer, counted here for every stage that reads pages.
    blank = job.service.blank_pages(count, is_blank(document.pages[-1]))
    every = labels_of(labels, count + blank)
    starts += [PageStart(index, every[index], None, None, 0, "")
               for index in range(count, count + blank)]
    return Laid(job, document), Interior(count + blank, tuple(labels), tuple(starts),
                                         tuple(sorted(found.items())),
                                         numbered=folios(document, page_labels_) +
                                         (False,) * blank, blank_end=blank)


def _labelled(labels: dict[str, str], match: re.Match[str]) -> str:
    """A cross-reference's page-number span, with the label of its target's page."""
    return f"{match[1]}{labels.get(match[2], '')}</span>"


def _notes_whole(document: Document, splits: Splits) -> bool:
    """Every part of every split note stands on some page, none above its page's top."""
    tops_kept = not any(area is not None and over_top(page._page_box, area)
                        for page in document.pages for area in [area_of(page._page_box)])
    wanted = {(note, n) for note, parts in splits.items() for n in range(1, len(parts) + 2)}
    return tops_kept and wanted <= placed_parts(document)


def _notes_fit(job: Job, document: Document, splits: Splits) -> None:
    """Stop at a note still above its page's top (longnotes.py could not split it: WeasyPrint
    sets a note too tall over the running head and the text), and at a note, or a part of a
    split one, left out of every page."""
    for page in document.pages:
        area = area_of(page._page_box)  # WeasyPrint's, read only (as pagemap.py reads it)
        if area is not None and over_top(page._page_box, area):
            id = next((c.element.get("id") or c.element.get("data-of")
                       for c in area.children if getattr(c, "element", None) is not None), "")
            raise _too_long(job, str(id))
    placed = placed_parts(document)
    wanted = {(note, 1) for note in wanted_notes(job)}
    wanted |= {(note, number) for note, parts in splits.items()
               for number in range(2, len(parts) + 2)}
    # WeasyPrint 70 may leave a footnote out of every page: a note lost, never silently.
    for id, _ in sorted(wanted - placed):
        source, line = _note_source(job, id)
        raise OutputError("O-NOTE-LOST", f"the typesetter left the note written at {source}:"
                          f"{line} (or a part of it) out of every page (a fault of WeasyPrint "
                          "70's footnotes)", "report it, with the book; meanwhile set `notes: "
                          "{place: chapter}` in book.yaml, or move the note's call a few words")


def _too_long(job: Job, note: str, at_end: bool = False) -> SourceError:
    source, line = _note_source(job, note)
    why = ("it runs on past the last page of text, where nothing calls its rest" if at_end
           else "not one of its lines fits below its call")
    return SourceError("S-NOTE-LONG", f"a note too long for the feet of the pages from its "
                       f"call on: {why}", "shorten the note, or move part of it into the "
                       "text, or set `notes: {place: chapter}` in book.yaml (notes at the end "
                       "of the chapter)", source, line)


def wanted_notes(job: Job) -> set[str]:
    """The ids of the notes the print edition floats to the foot of its pages."""
    return set(notes_of(job.book)) if job.book.meta.notes.place == "foot" else set()


def _note_source(job: Job, id: str) -> tuple[str, int | None]:
    """The file and line where the note with the id `id` is written."""
    if id not in notes_of(job.book):
        return job.book.meta.slug, None
    part, label = notes_of(job.book)[id]
    at = part.body.find(f"[^{label}]:")
    return part.source, part.body_line + part.body.count("\n", 0, at) if at >= 0 else None


def page_labels(document: Document, first_body_id: str) -> list[PageLabelRange]:
    """Front matter i, ii, ...; the body 1, 2, ... from the page where its first part opens."""
    body = next(i for i, page in enumerate(document.pages) if first_body_id in page.anchors)
    return [PageLabelRange(0, "roman", 1), PageLabelRange(body, "arabic", 1)]


class LayoutWriter:
    """The layout alone, where no PDF is asked for (an EPUB or the records alone)."""

    name: ClassVar[str] = "layout"
    formats: ClassVar[tuple[str, ...]] = ()
    needs: ClassVar[tuple[type[Facts], ...]] = ()
    makes: ClassVar[type[Facts]] = Interior

    def inputs(self, job: Job) -> tuple[object, ...]:
        return (job.book.model_dump_json(),)

    def write(self, job: Job) -> Output[Interior]:
        return Output({}, lay_out_interior(job)[1])
