"""MARC 21 records of both editions, as MARCXML and as binary MARC (ISO 2709).

Two bibliographic records, one for the print edition and one for the EPUB, described by
RDA as a new edition of the 1964 original and linked to each other (776). Everything
comes from the source and the built files: the extent from the PDF's page labels (the
pages a cataloguer counts, "iv, 21 pages"), the height from the trim, the EPUB's format
and accessibility from its own package document.

Script: the source holds the Chinese title in Han characters but no romanization, so the
regular 245/246 carry the Chinese as it is (a Unicode record) and their 880s carry the
same in the vernacular with the script code $1 (CJK), the pairing MARC 21 asks for; a
romanized title in book.yaml would belong in the regular fields.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield, XMLWriter

from publish.editions.epub import Epub
from publish.errors import SourceError
from publish.layout.interior import Interior
from publish.layout.labels import roman
from publish.render.html import block_lines
from publish.source.markup import plain_text
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
LANGUAGES = {"en": ("eng", "English")}  # book.yaml's language -> MARC code, name
RELATORS = {"aut": "author", "edt": "editor", "trl": "translator", "pbl": "publisher"}
NO_PLACE = "[Place of publication not identified]"  # RDA 2.8.2.6: book.yaml names none
# ISO 2709: a directory entry holds a field's length in 4 digits, the leader a record's in 5.
MAX_FIELD, MAX_RECORD = 9999, 99999
# Where a field's text comes from, to name it (and its line) when it is too long for a
# record. model.py's caps on the values' lengths make that impossible, the contents note
# (505) is split and cut to fit (`contents_fields`): the check stays, as a guard.
SOURCE_KEY = {"245": "original.title", "505": "the parts' `title`",
              "520": "edition.description", "540": "edition.rights"}
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


def printed_extent(labels: Sequence[PageLabelRange], pages: int) -> Extent:
    """The extent from the PDF writer's page label ranges (the /PageLabels it wrote)."""
    sequences: list[str] = []
    front = main = 0
    for index, label in enumerate(labels):
        end = labels[index + 1].start_index if index + 1 < len(labels) else pages
        last = label.first + end - label.start_index - 1
        if label.style == "none" or end <= label.start_index:
            continue  # unnumbered pages are not recorded (RDA 3.4.5.3)
        if label.style == "roman":
            sequences.append(roman(last))
            if not main:  # roman pages before the arabic sequence are the front matter
                front = last
        else:
            sequences.append(str(last))
            main = last
    return Extent(tuple(sequences), front, main, pages)


def height_cm(meta: Meta) -> int:
    """RDA 3.5.1.3: a height in centimetres, rounded up to the next whole one."""
    return -int(-mm(meta.print.trim_height) // 10)


def control_number(meta: Meta, kind: Kind) -> str:
    return f"{meta.slug}-{meta.print.binding if kind == 'print' else 'epub'}"


def _field(tag: str, ind: str, *pairs: tuple[str, str]) -> Field:
    return Field(tag, indicators=Indicators(ind[0], ind[1]),
                 subfields=[Subfield(code, value) for code, value in pairs])


@dataclass
class _Builder:
    """One record under construction; 880s are numbered in the order they are linked."""

    record: Record = field(default_factory=lambda: Record(force_utf8=True))
    linked: list[Field] = field(default_factory=list)

    # Fields are appended to `record.fields`: pymarc 5.4's add_field() has no annotations.
    def control(self, tag: str, data: str) -> None:
        self.record.fields.append(Field(tag, data=data))

    def add(self, tag: str, ind: str, *pairs: tuple[str, str],
            vernacular: Sequence[tuple[str, str]] = ()) -> None:
        if not vernacular:
            self.record.fields.append(_field(tag, ind, *pairs))
            return
        occurrence = f"{len(self.linked) + 1:02d}"
        self.record.fields.append(_field(tag, ind, ("6", f"880-{occurrence}"), *pairs))
        # The 880 repeats the indicators of its field; $1 = CJK script (MARC 21 App. A).
        self.linked.append(_field("880", ind, ("6", f"{tag}-{occurrence}/$1"), *vernacular))

    def finish(self) -> Record:
        self.record.fields.extend(self.linked)
        return self.record


def build_record(job: Job, kind: Kind, extent: Extent, package: Package) -> Record:
    meta, original, edition = job.book.meta, job.book.meta.original, job.book.meta.edition
    when = dt.datetime.fromtimestamp(job.epoch, dt.UTC)
    epub = kind == "epub"
    b = _Builder()
    # Leader: new record, language material, monograph, UCS/Unicode, full level, ISBD
    # punctuation; record length and base address are filled in by _with_lengths.
    b.record.leader = Leader("00000nam a2200000 i 4500")
    b.control("001", control_number(meta, kind))
    b.control("005", when.strftime("%Y%m%d%H%M%S.0"))
    if epub:  # computer file, online, document (006 for the e-resource aspects)
        b.control("006", "m     o  d        ")
    b.control("007", "cr |n|||||||||" if epub else "ta")
    b.control("008", fixed_fields(meta, when, epub))
    own = edition.identifier if epub else edition.print_id
    scheme, _, value = own.removeprefix("urn:").partition(":")
    qualifier = "EPUB" if epub else meta.print.binding
    if scheme == "isbn":
        b.add("020", "  ", ("a", value.replace("-", "")), ("q", qualifier))
    else:  # a URN of no registered scheme: 024 8_ (unspecified type of standard number)
        b.add("024", "8 ", ("a", own), ("q", qualifier))
    b.add("040", "  ", ("a", edition.publisher), ("b", "eng"), ("e", "rda"),
          ("c", edition.publisher))
    title, title_zh = original.title, original.title_zh
    skip = next((len(a) for a in ("The ", "A ", "An ") if title.startswith(a)), 0)
    # No 1XX: a compilation of two bodies' letters is entered under its title (245 0_).
    title_pairs = (("a", f"{title} ="), ("b", f"{title_zh}."))
    b.add("245", f"0{skip}", *title_pairs, vernacular=title_pairs)
    b.add("246", "31", ("a", title_zh), vernacular=[("a", title_zh)])
    b.add("264", " 1", ("a", f"{NO_PLACE} :"), ("b", f"{edition.publisher},"),
          ("c", f"{edition.year}."))
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
    # Quoted line for line, "|" marking the original's line breaks (as DCRM transcribes).
    title_page, imprint = (" | ".join(block_lines(x)) for x in (meta.title_page, meta.imprint))
    b.add("500", "  ", ("a", f"Title page of the {original.year} edition reproduced: "
                             f"{title_page}."))
    b.add("500", "  ", ("a", f"Imprint of the {original.year} edition reproduced on the verso "
                             f"of the title page, in Chinese: {imprint}."))
    contents = [plain_text(p.header.title) for p in job.book.parts if p.header.in_contents]
    b.record.fields.extend(contents_fields(contents))
    b.add("520", "  ", ("a", edition.description))
    if epub and package.summary:  # 532 8_: accessibility note, no display constant
        b.add("532", "8 ", ("a", package.summary))
    b.add("534", "  ", ("p", "Originally published:"), ("t", f"{title}."),
          ("b", f"{original.edition}."),
          ("c", f"{original.place} : {original.publisher}, {original.year}."),
          vernacular=[("p", "Originally published:"), ("t", f"{title_zh}."),
                      ("b", f"{original.edition_zh}."),
                      ("c", f"{original.place_zh} : {original.publisher_zh}, "
                            f"{original.year}.")])
    b.add("540", "  ", ("a", edition.rights))
    language = LANGUAGES[edition.language][1]
    b.add("546", "  ", ("a", f"In {language}; parallel title and the imprint of the "
                             f"{original.year} edition in Chinese."))
    viewed = f"{MONTHS[when.month - 1]} {when.day}, {when.year}"
    b.add("588", "0 ", ("a", f"Description based on online resource; title from title page "
                             f"(viewed {viewed})." if epub else "Title from title page."))
    for subject in edition.subjects:
        b.add("653", "  ", ("a", subject))
    for author in original.authors:
        body, _, subordinate = author.file_as.partition(". ")
        names = [("a", f"{body}."), ("b", subordinate)] if subordinate else [("a", body)]
        names[-1] = (names[-1][0], f"{names[-1][1]},")
        b.add("710", "2 ", *names, ("e", f"{RELATORS[author.role]}."), ("4", author.role))
    other: Kind = "print" if epub else "epub"
    b.add("776", "08", ("i", "Print version:" if epub else "Online version:"),
          ("t", f"{title}."),
          ("d", f"{NO_PLACE} : {edition.publisher}, {edition.year}."),
          ("h", f"{extent.statement} ; {height_cm(meta)} cm" if epub else
           f"1 online resource ({extent.statement})"),
          ("o", edition.print_id if epub else edition.identifier),
          ("w", control_number(meta, other)))
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
    return [_field("505", ("0 " if complete else "1 ") if index == 0 else "8 ",
                   ("a", " -- ".join(chunk) + ("." if index == len(chunks) - 1 else " --")))
            for index, chunk in enumerate(chunks)]


def fixed_fields(meta: Meta, when: dt.datetime, epub: bool) -> str:
    """008 for books, 40 positions: each value below is one or more of them, in order."""
    values = [
        when.strftime("%y%m%d"),  # 00-05 date entered on file
        "r",  # 06 reprint/reissue date and original date
        f"{meta.edition.year:04d}", f"{meta.original.year:04d}",  # 07-10, 11-14
        "xx ",  # 15-17 place of publication unknown (book.yaml names none)
        "    ",  # 18-21 no illustrations
        " ",  # 22 target audience unknown or not specified
        "o" if epub else " ",  # 23 form of item: online, or none of the others (print)
        "    ",  # 24-27 nature of contents
        " ", "0", "0", "0", " ",  # 28 not govt, 29 conference, 30 festschrift, 31 index, 32
        "i",  # 33 literary form: letters
        " ",  # 34 no biographical material
        LANGUAGES[meta.edition.language][0],  # 35-37 language
        " ", "d",  # 38 not modified, 39 cataloguing source: other
    ]
    data = "".join(values)
    assert len(data) == 40, f"008 has {len(data)} positions"  # a bug, not the source's
    return data


def _with_lengths(record: Record, job: Job) -> Record:
    """Put the record length and base address of the binary form into the leader, so that
    the MARCXML and the .mrc carry the same leader; stop a field too long for ISO 2709
    (at the line of the key it comes from)."""
    where = f"{Path(job.book.root).name}/book.yaml"
    for f in record.fields:
        size = len(f.as_marc(encoding="utf-8"))
        if size > MAX_FIELD:
            key = SOURCE_KEY.get(f.tag, "a value")
            raise SourceError("S-BAD-VALUE", f"{key} is too long for a MARC record ({size:,} "
                              f"bytes in field {f.tag}; at most {MAX_FIELD:,})", "shorten it",
                              where, job.book.key_lines.get(key))
    data = record.as_marc()
    if len(data) > MAX_RECORD:
        raise SourceError("S-BAD-VALUE", f"the book's MARC record would be {len(data):,} bytes "
                          f"(at most {MAX_RECORD:,})", "shorten edition.description", where,
                          job.book.key_lines.get("edition.description"))
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
        return (job.book.model_dump_json(), interior.pages, interior.labels, job.fact(Epub))


class MarcWriter(RecordWriter):
    name: ClassVar[str] = "marc"
    formats: ClassVar[tuple[str, ...]] = ("marc",)

    def write(self, job: Job) -> Output[NoFacts]:
        interior = job.fact(Interior)
        extent = printed_extent(interior.labels, interior.pages)
        package = job.fact(Epub).package
        records = [build_record(job, kind, extent, package) for kind in ("print", "epub")]
        return Output({job.name(".marc.xml"): marcxml(records),
                       job.name(".mrc"): b"".join(r.as_marc() for r in records)}, NoFacts())
