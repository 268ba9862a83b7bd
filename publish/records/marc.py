"""MARC 21 records of both editions, as MARCXML and as binary MARC (ISO 2709).

Two bibliographic records, one for the print edition and one for the EPUB, described by
RDA and linked to each other (776). Everything comes from the source and the built
files: the extent from the PDF's page labels (the pages a cataloguer counts, "iv, 21
pages"), the height from the trim, the EPUB's format and accessibility from its own
package document; the languages and the literary form from book.yaml and the kinds of
part (coded.py), the names and subjects as access points (headings.py).

Scripts (scripts.py): a text with a romanized (Latin-script) form has it in the regular
field and its other script in an 880 linked by $6, with that script's code ($1 CJK, (N
Cyrillic, ...); a text in one script only stands in the regular field as it is.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from lxml import etree
from pymarc import Field, Leader, Record, XMLWriter

from publish.editions.epub import Epub
from publish.errors import SourceError
from publish.layout.interior import Interior
from publish.layout.labels import roman
from publish.records.coded import (
    fixed_fields,
    language_codes,
    language_note,
    page_languages,
    translated,
)
from publish.records.headings import (
    main_entry,
    name_field,
    subject_fields,
    terminal,
)
from publish.records.marcfields import (
    Builder,
    linked,
    make_field,
    nonfiling,
    original_note,
    publication,
    series,
    series_entry,
    title_statement,
    vern,
)
from publish.records.scripts import single
from publish.render.html import block_lines
from publish.source.markup import plain_text
from publish.source.metadata import language_name
from publish.source.model import mm
from publish.stage import Facts, Job, NoFacts, Output

if TYPE_CHECKING:
    from publish.editions.package import Package
    from publish.layout.labels import PageLabelRange
    from publish.source.model import Meta

Kind = Literal["print", "epub"]
MARC_NS = "http://www.loc.gov/MARC21/slim"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
# ISO 2709: a directory entry holds a field's length in 4 digits, the leader a record's in 5.
MAX_FIELD, MAX_RECORD = 9999, 99999
# Where a field's text comes from, to name it (and its line) when it is too long for a
# record. model.py's caps on the values' lengths make that unlikely; the contents note
# (505) is split and cut to fit (`contents_fields`): the check stays, as a guard.
SOURCE_KEY = {"245": "title", "246": "title", "505": "the parts' `title`",
              "520": "description", "540": "rights", "534": "original"}
# What a 505 field adds to its text in the record: its directory entry (12 bytes), its
# indicators, `$a` and its terminator; and what its text holds at most (with " --").
FIELD_COST = 12 + 2 + 2 + 1
CONTENTS_TEXT = MAX_FIELD - FIELD_COST
# Not strftime("%B"): its month names follow the locale, and the records must not.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Extent:
    """The interior's pages as RDA counts them: the last number of each numbered sequence."""

    sequences: tuple[str, ...]  # ("iv", "21")
    front: int  # roman-numbered pages before the main sequence (ONIX extent 03)
    main: int  # the last arabic page number (ONIX extent 00)
    total: int  # every page of the interior

    @property
    def statement(self) -> str:
        count = ", ".join(self.sequences) or f"{self.total} unnumbered"  # no page labels
        return f"{count} {'page' if count in ('1', '1 unnumbered') else 'pages'}"


def printed_extent(labels: Sequence[PageLabelRange], pages: int,
                   numbered: Sequence[bool] = ()) -> Extent:
    """The extent from the PDF writer's page label ranges (the /PageLabels it wrote) and
    which pages print their number (`numbered`; all, where it is not known). RDA 3.4.5.2
    records each sequence by the number its last numbered page prints; a sequence none of
    whose pages prints a number (front matter set without folios) is not recorded
    (3.4.5.3). `front` and `main` count the pages, as ONIX does, numbers printed or not."""
    sequences: list[str] = []
    front = main = 0
    for index, label in enumerate(labels):
        end = labels[index + 1].start_index if index + 1 < len(labels) else pages
        last = label.first + end - label.start_index - 1
        if label.style == "none" or end <= label.start_index:
            continue  # unnumbered pages are not recorded (RDA 3.4.5.3)
        printed = [label.first + at - label.start_index for at in range(label.start_index, end)
                   if not numbered or numbered[at]]
        if label.style == "roman":
            if printed:
                sequences.append(roman(printed[-1]))
            if not main:  # roman pages before the arabic sequence are the front matter
                front = last
        else:
            if printed:
                sequences.append(str(printed[-1]))
            main = last
    return Extent(tuple(sequences), front, main, pages)


def height_cm(meta: Meta) -> int:
    """RDA 3.5.1.3: a height in centimetres, rounded up to the next whole one."""
    return -int(-mm(meta.print.trim_height) // 10)


def control_number(meta: Meta, kind: Kind) -> str:
    return f"{meta.slug}-{meta.print.binding if kind == 'print' else 'epub'}"


def build_record(job: Job, kind: Kind, extent: Extent, package: Package) -> Record:
    book = job.book
    meta, original = book.meta, book.meta.original
    when = dt.datetime.fromtimestamp(job.epoch, dt.UTC)
    epub = kind == "epub"
    b = Builder()
    # Leader: new record, language material, monograph, UCS/Unicode, full level, ISBD
    # punctuation; record length and base address are filled in by _with_lengths.
    b.record.leader = Leader("00000nam a2200000 i 4500")
    b.control("001", control_number(meta, kind))
    if meta.catalogue.agency:  # whose the 001 is
        b.control("003", meta.catalogue.agency)
    b.control("005", when.strftime("%Y%m%d%H%M%S.0"))
    if epub:  # computer file, online, document (006 for the e-resource aspects)
        b.control("006", "m     o  d        ")
    b.control("007", "cr |n|||||||||" if epub else "ta")
    b.control("008", fixed_fields(book, when, epub))
    isbn = meta.isbn.epub if epub else meta.isbn.print
    qualifier = "EPUB" if epub else meta.print.binding
    if isbn:
        b.add("020", "  ", ("a", isbn), ("q", qualifier))
    else:  # a URN of no registered scheme: 024 8_ (unspecified type of standard number)
        b.add("024", "8 ", ("a", meta.epub_id if epub else meta.print_id), ("q", qualifier))
    publisher = single(meta.publisher, meta.language)
    # 040: who catalogued (and transcribed) the record, by MARC organization code; a
    # publisher with none is named, which MARC allows but a library will replace.
    agency = meta.catalogue.agency or publisher.text
    b.add("040", "  ", ("a", agency), ("b", "eng"), ("e", "rda"), ("c", agency))
    if codes := language_codes(book):
        b.add("041", codes[0], *codes[1])
    main = main_entry(book)
    heading = name_field(main, meta.language) if main else None
    if heading:
        b.name(heading.tag(True), heading)
    if original and original.title and translated(meta):
        # The work's preferred title: the original's, with the translation's language
        # (RDA 6.27.3); under a 1XX in 240, else as the main entry, 130.
        work = single(original.title, meta.language)
        language = ("l", f"{language_name(meta.language)}.")
        skip = str(nonfiling(work.text, work.lang))
        b.add("240" if heading else "130", f"1{skip}" if heading else f"{skip} ",
              ("a", terminal(work.text)), language,
              **vern(work, [("a", terminal(work.original)), language]))
    proper = title_statement(b, book, heading is not None)
    edition = single(meta.edition, meta.language) if meta.edition else None
    if edition:
        b.add("250", "  ", ("a", terminal(edition.text)),
              **vern(edition, [("a", terminal(edition.original))]))
    place = single(meta.place, meta.language) if meta.place else None
    published = publication(place, publisher, meta.year)
    script = next((f.script for f in (place, publisher) if f and f.vernacular), None)
    b.add("264", " 1", *published,
          **linked(publication(place, publisher, meta.year, vernacular=True), script))
    if epub:
        b.add("300", "  ", ("a", f"1 online resource ({extent.statement})"))
    else:
        b.add("300", "  ", ("a", f"{extent.statement} ;"), ("c", f"{height_cm(meta)} cm"))
    b.add("336", "  ", ("a", "text"), ("b", "txt"), ("2", "rdacontent"))
    b.add("337", "  ", *((("a", "computer"), ("b", "c")) if epub else
                         (("a", "unmediated"), ("b", "n"))), ("2", "rdamedia"))
    b.add("338", "  ", *((("a", "online resource"), ("b", "cr")) if epub else
                         (("a", "volume"), ("b", "nc"))), ("2", "rdacarrier"))
    if epub:
        b.add("347", "  ", ("a", "text file"), ("2", "rdaft"))
        b.add("347", "  ", ("b", f"EPUB {package.version}".strip()))
    series(b, meta)
    if original:
        # Quoted line for line, "|" marking the original's line breaks (as DCRM
        # transcribes), where book.yaml gives the original's pages line for line.
        if meta.title_page:
            b.add("500", "  ", ("a", f"Title page of the {original.year} edition "
                                     f"reproduced: {' | '.join(block_lines(meta.title_page))}."))
        if meta.imprint:
            names = " and ".join(language_name(t) for t in page_languages(meta.imprint, meta))
            where = f"the verso of the title page{', in ' + names if names else ''}"
            b.add("500", "  ", ("a", f"Imprint of the {original.year} edition reproduced on "
                                     f"{where}: {' | '.join(block_lines(meta.imprint))}."))
    # The contents as this edition holds them: a part the edition names, but of which it
    # holds only an editorial note, is named in a note of its own instead.
    listed = [p for p in book.parts if p.header.listed]
    if absent := [plain_text(p.header.title) for p in listed if not p.holds_text]:
        b.add("500", "  ", ("a", "Not included in this edition but for their headings: "
                                 f"{'; '.join(absent)}."))
    contents = [plain_text(p.header.title) for p in listed if p.holds_text]
    b.record.fields.extend(contents_fields(contents))
    if meta.description:
        b.add("520", "  ", ("a", meta.description))
    if epub and package.summary:  # 532 8_: accessibility note, no display constant
        b.add("532", "8 ", ("a", package.summary))
    if original:
        original_note(b, meta)
    if meta.rights:
        b.add("540", "  ", ("a", meta.rights))
    b.add("546", "  ", ("a", language_note(book)))
    viewed = f"{MONTHS[when.month - 1]} {when.day}, {when.year}"
    b.add("588", "0 ", ("a", f"Description based on online resource; title from title page "
                             f"(viewed {viewed})." if epub else "Title from title page."))
    for subject in subject_fields(book):
        b.add(subject.tag, subject.ind, *subject.pairs)
    for contributor in meta.contributors:
        if contributor is not main:
            added = name_field(contributor, meta.language)
            b.name(added.tag(False), added)
    other: Kind = "print" if epub else "epub"
    other_isbn = meta.isbn.print if epub else meta.isbn.epub
    entry = [("a", terminal(" ".join(v for c, v in heading.pairs if c in "abd").rstrip(",")))
             ] if heading else []
    b.add("776", "08", ("i", "Print version:" if epub else "Online version:"), *entry,
          ("t", terminal(proper.text)),
          ("d", " ".join(v for _, v in published)),
          ("h", f"{extent.statement} ; {height_cm(meta)} cm" if epub else
           f"1 online resource ({extent.statement})"),
          ("z", other_isbn) if other_isbn else ("o", meta.print_id if epub else meta.epub_id),
          ("w", control_number(meta, other)))
    series_entry(b, meta)
    if url := meta.catalogue.epub_url:  # 856 4_: by HTTP; _0 the EPUB itself, _1 a version
        b.add("856", "40" if epub else "41", *([] if epub else [("3", "EPUB edition")]),
              ("u", url))
    record = b.finish()
    tags = [f.tag for f in record.fields]
    if "505" in tags and len(record.as_marc()) > MAX_RECORD:  # too many parts' titles
        at = tags.index("505")
        without = [f for f in record.fields if f.tag != "505"]
        room = MAX_RECORD - len(Record(fields=without, force_utf8=True,
                                       leader=str(record.leader)).as_marc())
        record.fields = [*without[:at], *contents_fields(contents, room), *without[at:]]
    return _with_lengths(record, job)


def contents_fields(titles: Sequence[str], room: int = MAX_RECORD) -> list[Field]:
    """The contents note: the titles, " -- " between them, in as many 505 fields as they
    need (each at most MAX_FIELD bytes; the ones after the first without a display
    constant, 8_), taking at most `room` bytes of the record. If not every title fits,
    the note says it is incomplete (1_) and lists the first ones."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = taken = 0  # bytes of the current field's text; of the fields before it
    for title in titles:
        cost = len(title.encode("utf-8")) + 4  # and " -- ", or " --" or "." at the end
        if current and size + cost > CONTENTS_TEXT:
            chunks.append(current)
            taken += size + FIELD_COST
            current, size = [], 0
        if taken + size + cost + FIELD_COST > room:
            break
        current.append(title)
        size += cost
    if current:
        chunks.append(current)
    complete = sum(map(len, chunks)) == len(titles)
    return [make_field("505", ("0 " if complete else "1 ") if index == 0 else "8 ",
                   ("a", " -- ".join(chunk) + ("." if index == len(chunks) - 1 else " --")))
            for index, chunk in enumerate(chunks)]


def _with_lengths(record: Record, job: Job) -> Record:
    """Put the record length and base address of the binary form into the leader, so that
    the MARCXML and the .mrc carry the same leader; stop a field too long for ISO 2709
    (at the line of the key it comes from)."""
    where = f"{Path(job.book.root).name}/book.yaml"
    for f in record.fields:
        size = len(f.as_marc(encoding="utf-8"))
        if size > MAX_FIELD:
            tag = str(f["6"])[:3] if f.tag == "880" else f.tag  # an 880: its field's
            key = SOURCE_KEY.get(tag, "a value")
            raise SourceError("S-BAD-VALUE", f"{key} is too long for a MARC record ({size:,} "
                              f"bytes in field {f.tag}; at most {MAX_FIELD:,})", "shorten it",
                              where, job.book.key_lines.get(key))
    data = record.as_marc()
    if len(data) > MAX_RECORD:
        raise SourceError("S-BAD-VALUE", f"the book's MARC record would be {len(data):,} bytes "
                          f"(at most {MAX_RECORD:,})", "shorten the description, or give fewer "
                          "contributors, alternate forms, subjects or keywords", where,
                          job.book.key_lines.get("description"))
    record.leader = Leader(data[:24].decode("ascii"))
    return record


def marcxml(records: Sequence[Record]) -> bytes:
    """A MARCXML collection, indented, with the schema's location."""
    out = io.BytesIO()
    writer = XMLWriter(out)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    root = etree.fromstring(out.getvalue())
    root.set(f"{{{XSI}}}schemaLocation", f"{MARC_NS} {SCHEMA}")
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")) + b"\n"


class RecordWriter:
    """What the catalogue records (MARC here, ONIX in onix.py) read: the book, the printed
    extent and what the built EPUB declares."""

    needs: ClassVar[tuple[type[Facts], ...]] = (Interior, Epub)
    makes: ClassVar[type[Facts]] = NoFacts

    def inputs(self, job: Job) -> tuple[object, ...]:
        interior = job.fact(Interior)
        return (job.book.model_dump_json(), interior.pages, interior.labels, interior.numbered,
                job.fact(Epub))


class MarcWriter(RecordWriter):
    name: ClassVar[str] = "marc"
    formats: ClassVar[tuple[str, ...]] = ("marc",)

    def write(self, job: Job) -> Output[NoFacts]:
        interior = job.fact(Interior)
        extent = printed_extent(interior.labels, interior.pages, interior.numbered)
        package = job.fact(Epub).package
        records = [build_record(job, kind, extent, package) for kind in ("print", "epub")]
        return Output({job.name(".marc.xml"): marcxml(records),
                       job.name(".mrc"): b"".join(r.as_marc() for r in records)}, NoFacts())
