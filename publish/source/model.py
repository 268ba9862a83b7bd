"""The validated book model: what `source/book.yaml` and `source/text/*.md` hold.

Every model forbids unknown keys, so a misspelt key is an error (the loader turns
pydantic's message into one that names the file, the line and the right key).
The rest of the pipeline reads only these objects, never the source files.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from publish.source import ids
from publish.source.figures import Figure
from publish.source.kinds import KINDS, Kind, KindName, Matter
from publish.source.markup import Text, plain_text
from publish.source.metadata import (
    AUDIENCES,
    Audience,
    Catalogue,
    Coded,
    Contributor,
    Isbns,
    LangTag,
    LocalName,
    LocalTitle,
    Price,
    PubDate,
    Series,
    Subjects,
)
from publish.source.values import MAX_ITEMS, Name, NonEmpty, Prose, Strict, Title

MAX_PAGE_BLOCKS = 50  # blocks of the cover, the title page or the imprint
MAX_PAGE_LINES = 100  # their lines together
MAX_PAGE_CHARS = 2_000  # their characters together
MAX_SLUG = 100  # the output files' names: dist/<slug>.epub
MAX_ID = 100  # a part's id names its EPUB file
Lines = Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS * 5)]
__all__ = ["AUDIENCES", "MAX_ITEMS", "Audience", "Contributor", "LocalName", "LocalTitle",
           "NonEmpty", "Strict"]

# A length as a user writes it: a number of ASCII digits (`\d` would take '１８' too),
# a unit, and a space between them or not: 18mm, 18 mm, 0.5in, 0.5 IN. It is kept in
# one form, '18mm', the form CSS reads (`4.25 in` is no CSS length: WeasyPrint dropped
# the page size and made A4 pages).
_LENGTH = re.compile(r"([0-9]{1,4}(?:\.[0-9]{1,4})?)[ \t]*(mm|cm|in|pt)", re.IGNORECASE)
_PER_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def _length(value: object) -> str:
    match = _LENGTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{str(value)[:40]!r} is not a length: write a number and a unit: "
                         "18mm, 0.5in (digits 0-9; units mm, cm, in, pt)")
    return f"{match[1]}{match[2].lower()}"


Length = Annotated[
    str,
    BeforeValidator(_length),
    Field(description="a length with a unit: mm, cm, in or pt"),
]


def mm(length: str) -> float:
    """A Length from book.yaml in millimetres."""
    match = _LENGTH.fullmatch(length)
    if match is None:
        raise ValueError(f"not a length: {length!r}")
    return float(match[1]) * _PER_MM[match[2].lower()]


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _urn(value: str) -> str:
    rest = value.removeprefix("urn:uuid:")
    if not value.startswith("urn:uuid:"):
        raise ValueError("write urn:uuid: and a UUID (an ISBN goes under `isbn`)")
    if not (_UUID.fullmatch(rest) and uuid.UUID(rest)):
        raise ValueError(f"'{rest[:50]}' is not a UUID: write its 32 hexadecimal digits as "
                         "8-4-4-4-12 (python3 -c 'import uuid; print(uuid.uuid4())' makes one)")
    return value


URN = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60),
                AfterValidator(_urn)]


class Original(Strict):
    """The edition this one reproduces or translates, as its title page and imprint give
    it: only for a reprint or a translation (a new book has none)."""

    title: LocalTitle | None = None  # the book's own title, if not given
    language: LangTag  # the original's: a translation's differs from the book's
    publisher: LocalName | None = None
    place: LocalName | None = None
    date: PubDate
    edition: LocalName | None = None
    numbers: Annotated[list[Name], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)

    @property
    def year(self) -> int:
        return int(self.date[:4])


class Scripts(Strict):
    """The language given to text in a script the book's language does not use, where no
    span names one: Han characters are Chinese, Japanese or Korean, which only the book
    can say (kana is always Japanese, Hangul Korean)."""

    han: Literal["zh-Hans", "zh-Hant", "ja", "ko"] | None = None


class Block(Strict):
    """A group of lines set together, with the original's line breaks."""

    lines: Lines
    style: Literal["title", "publisher", "ornament", "plain", "note"] = "plain"
    lang: LangTag | None = None  # the lines' language, if not the book's


def _page_fits(blocks: list[Block]) -> list[Block]:
    lines = [line for block in blocks for line in block.lines]
    if len(lines) > MAX_PAGE_LINES or sum(map(len, lines)) > MAX_PAGE_CHARS:
        raise ValueError(f"a page holds at most {MAX_PAGE_LINES} lines of "
                         f"{MAX_PAGE_CHARS:,} characters together (this one: {len(lines)} of "
                         f"{sum(map(len, lines)):,})")
    return blocks


# The cover, the title page, the imprint.
Page = Annotated[list[Block], Field(min_length=1, max_length=MAX_PAGE_BLOCKS),
                 AfterValidator(_page_fits)]


class Margins(Strict):
    top: Length
    bottom: Length
    inside: Length
    outside: Length

    @field_validator("top", "bottom", "inside", "outside")
    @classmethod
    def _keep_text_inside_safety(cls, value: str) -> str:
        if not 13 <= mm(value) <= 60:
            raise ValueError("a margin must be between 13mm (0.5in) and 60mm")
        return value


class Print(Strict):
    trim_width: Length
    trim_height: Length
    trim_name: Name
    margins: Margins
    paper: Literal["white", "cream"]
    binding: Literal["paperback", "hardback"] = "paperback"

    @field_validator("trim_width", "trim_height")
    @classmethod
    def _trim_is_a_book(cls, value: str) -> str:
        if not 76 <= mm(value) <= 432:
            raise ValueError("a trim side must be between 76mm (3in) and 432mm (17in)")
        return value

    @property
    def text_block(self) -> tuple[float, float]:
        """The width and height of a page's text, in mm."""
        m = self.margins
        return (mm(self.trim_width) - mm(m.inside) - mm(m.outside),
                mm(self.trim_height) - mm(m.top) - mm(m.bottom))

    @model_validator(mode="after")
    def _margins_leave_room(self) -> Print:
        width, height = mm(self.trim_width), mm(self.trim_height)
        m = self.margins
        if width - mm(m.inside) - mm(m.outside) < 40 or height - mm(m.top) - mm(m.bottom) < 60:
            raise ValueError("the margins leave less than 40x60mm for the text")
        return self


class Notes(Strict):
    """Where the notes (`[^1]`) are set and how they are numbered."""

    place: Literal["foot", "chapter"] = "foot"  # at the foot of the page; at the chapter's end
    numbering: Literal["chapter", "book"] = "chapter"  # from 1 in each part; through the book


class Group(Strict):
    """A part of the book ("Part One"): its own text file (of kind `part`), then its
    chapters."""

    part: NonEmpty
    chapters: Annotated[list[NonEmpty], Field(min_length=1)]


class Meta(Strict):
    """Everything in book.yaml."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$",
                                           max_length=MAX_SLUG)]
    language: LangTag
    scripts: Scripts = Scripts()
    title: LocalTitle
    subtitle: LocalTitle | None = None
    short_title: Title | None = None  # the running head of left-hand pages; else the title
    contributors: Annotated[list[Contributor], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)
    publisher: LocalName
    place: LocalName | None = None
    date: PubDate  # of this edition
    edition: LocalName | None = None  # "Second edition", as printed
    identifier: URN | None = None  # where the EPUB has no ISBN
    isbn: Isbns = Isbns()
    series: Series | None = None
    rights: Prose | None = None
    description: Prose | None = None
    back_cover: Prose | None = None  # the back cover's text; else the description
    subjects: Subjects = Subjects()
    keywords: Annotated[list[Name], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)
    audience: Audience = "general"
    catalogue: Catalogue = Catalogue()
    prices: Annotated[list[Price], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)
    original: Original | None = None
    cover: Page | None = None  # the front cover's lines; else made from the metadata
    title_page: Page | None = None  # line for line; else made from the metadata
    imprint: Page | None = None  # the title page's verso; else a copyright page is made
    contents_heading: Name = "Contents"
    notes: Notes = Notes()
    text: Annotated[list[NonEmpty | Group], Field(min_length=1)]  # at most limits.MAX_PARTS
    print: Print

    @model_validator(mode="after")
    def _named(self) -> Meta:
        if self.identifier is None and self.isbn.epub is None:
            raise Coded("S-MISSING-KEY", "the EPUB has neither an identifier nor an ISBN",
                        "add 'identifier: urn:uuid:...' (python3 -c 'import uuid; "
                        "print(uuid.uuid4())' makes one), or 'isbn: {epub: ...}'")
        return self

    @property
    def epub_id(self) -> str:
        """The EPUB's identifier: its ISBN as a URN, else `identifier`."""
        return f"urn:isbn:{self.isbn.epub}" if self.isbn.epub else str(self.identifier)

    @property
    def print_id(self) -> str:
        """The print edition's: its ISBN, else one derived from the EPUB's (stable, never
        random)."""
        if self.isbn.print:
            return f"urn:isbn:{self.isbn.print}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.epub_id + '#print')}"

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def running_title(self) -> str:
        return self.short_title or plain_text(self.title.text)

    @property
    def han(self) -> str:
        """The language of Han characters no span names."""
        if self.scripts.han:
            return self.scripts.han
        if self.language.split("-")[0] in ("ja", "ko"):
            return self.language.split("-")[0]
        hant = ("-Hant", "-TW", "-HK", "-MO")
        return "zh-Hant" if self.language.startswith("zh") and any(
            h in self.language for h in hant) else "zh-Hans"

    @property
    def files(self) -> list[tuple[str, str | None]]:
        """Every text file in reading order, with the file of the part (group) it is in."""
        out: list[tuple[str, str | None]] = []
        for entry in self.text:
            if isinstance(entry, Group):
                out.append((entry.part, None))
                out += [(chapter, entry.part) for chapter in entry.chapters]
            else:
                out.append((entry, None))
        return out


class PartHeader(Strict):
    """The YAML header of one text file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=MAX_ID)]
    kind: KindName
    title: Title
    # The lines as printed; else the title is printed.
    heading: Annotated[list[Title], Field(min_length=1, max_length=MAX_ITEMS)] | None = None
    heading_printed: bool = True  # false: the original prints none; kept for navigation only
    short_title: Title | None = None  # the running head of right-hand pages; else the title
    in_contents: bool | None = None  # listed in the printed contents: as the kind says
    matter: Matter | None = None  # front, body or back matter: as the kind says
    lang: LangTag | None = None  # the part's language, if not the book's
    date: dt.date | None = None
    dateline: Name | None = None
    sender: Name | None = None
    recipient: Name | None = None
    addressee: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)] | None = None

    @field_validator("id")
    @classmethod
    def _id_is_free(cls, value: str) -> str:
        if ids.taken_by_the_book(value):
            raise ValueError(f"'{value}' is taken by the book itself (the front matter's ids "
                             "and the page-N markers): choose another id")
        return value

    @model_validator(mode="after")
    def _letters_name_their_parties(self) -> PartHeader:
        if self.kind == "letter":
            missing = [k for k in ("date", "sender", "recipient") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a letter needs {', '.join(missing)}")
        return self

    @property
    def listed(self) -> bool:
        return KINDS[self.kind].listed if self.in_contents is None else self.in_contents

    @property
    def running_title(self) -> str:
        return self.short_title or plain_text(self.title)


class Part(Strict):
    """One text file: its header, its text (as written, and parsed) and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    header: PartHeader
    body: str  # the Markdown text after the header, as written
    body_line: int  # the line of the file where `body` begins
    source: str  # the file, as named in messages
    number: int
    text: Text = Field(exclude=True, repr=False)  # `body` parsed (a function of it)
    figures: tuple[Figure, ...] = ()  # its images, read and checked (figures.py)
    group: str | None = None  # the id of the part (group of chapters) it is in
    matter: Matter = "body"  # as its header or its kind says

    @property
    def kind(self) -> Kind:
        return KINDS[self.header.kind]

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def holds_text(self) -> bool:
        """Whether the part has text of its own, not only an editorial note (a letter the
        edition names but does not hold: "The text of this letter is not included")."""
        depth = 0
        for token in self.text.tokens:
            depth += {"container_editorial_open": 1, "container_editorial_close": -1
                      }.get(token.type, 0)
            if not depth and token.type == "inline" and token.content.strip():
                return True
        return bool(self.figures)


class Book(Strict):
    meta: Meta
    parts: list[Part]
    # Where the book's folder is: for reading its files, never for what the editions hold,
    # so not dumped (the dump is the stages' cache key: a book moved is the same book).
    root: str = Field(exclude=True)
    # Every character the source draws, with the file and line where it first stands: what
    # the fonts must cover (source/fonts.py). A function of the files, so not dumped.
    characters: dict[str, tuple[str, int]] = Field(default_factory=dict, exclude=True,
                                                   repr=False)
    @property
    def targets(self) -> dict[str, Part]:
        """Every id a cross-reference may lead to (a part's, an anchor's), and its part."""
        out = {part.id: part for part in self.parts}
        out.update({name: part for part in self.parts for name, _ in part.text.anchors})
        return out

    # The line of book.yaml where each key stands ("edition.description": 26), for the
    # messages of later stages.
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)
