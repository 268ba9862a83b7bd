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
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from publish.source import ids
from publish.source.markup import Text

# The longest text a value may hold, in characters. Each is far above what a real book
# needs, and low enough that no field of a MARC record (9,999 bytes at most, records/
# marc.py) can be too long, even if every character took UTF-8's 4 bytes: the longest
# field holds a title and its Chinese title (245), or a page's lines (500).
MAX_NAME = 200  # a name, a place, a subject, a line of a page or of a heading
MAX_TITLE = 500  # a title: "The Life and Strange Surprizing Adventures of ..." is 370
MAX_PROSE = 2_000  # the description, the rights
MAX_ITEMS = 20  # authors, subjects, numbers, lines of a heading or an addressee
MAX_PAGE_BLOCKS = 50  # blocks of the cover, the title page or the imprint
MAX_PAGE_LINES = 100  # their lines together
MAX_PAGE_CHARS = 2_000  # their characters together
MAX_SLUG = 100  # the output files' names: dist/<slug>.epub
MAX_ID = 100  # a part's id names its EPUB file


def _text(most: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=most)


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, _text(MAX_NAME)]
Title = Annotated[str, _text(MAX_TITLE)]
Prose = Annotated[str, _text(MAX_PROSE)]
Lines = Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS * 5)]

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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def _isbn(value: str) -> bool:
    """An ISBN-10 or ISBN-13 (hyphens allowed) whose check digit is right."""
    digits = value.replace("-", "").upper()
    if re.fullmatch(r"[0-9]{9}[0-9X]", digits):
        return sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) \
            % 11 == 0
    if re.fullmatch(r"97[89][0-9]{10}", digits):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


def _urn(value: str) -> str:
    scheme, _, rest = value.removeprefix("urn:").partition(":")
    if not value.startswith("urn:") or scheme not in ("uuid", "isbn"):
        raise ValueError("write urn:uuid: and a UUID, or urn:isbn: and an ISBN")
    if scheme == "uuid" and not (_UUID.fullmatch(rest) and uuid.UUID(rest)):
        raise ValueError(f"'{rest[:50]}' is not a UUID: write its 32 hexadecimal digits as "
                         "8-4-4-4-12 (python3 -c 'import uuid; print(uuid.uuid4())' makes one)")
    if scheme == "isbn" and not _isbn(rest):
        raise ValueError(f"'{rest[:50]}' is not an ISBN: 10 or 13 digits (hyphens allowed) "
                         "whose last is the check digit of the others")
    return value


URN = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60),
                AfterValidator(_urn)]


class Author(Strict):
    name: Name
    file_as: Name
    role: Literal["aut", "edt", "trl", "pbl"] = "aut"


class Original(Strict):
    """The edition this one reproduces, as its title page and imprint give it."""

    title: Title
    title_zh: Title
    authors: Annotated[list[Author], Field(min_length=1, max_length=MAX_ITEMS)]
    publisher: Name
    publisher_zh: Name
    place: Name
    place_zh: Name
    year: Annotated[int, Field(ge=1450, le=2100)]
    edition: Name
    edition_zh: Name
    numbers: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]


class Edition(Strict):
    """This edition's own identity: `identifier` names the EPUB, `print_identifier` the
    print edition (derived from `identifier` when not given: stable, never random)."""

    identifier: URN
    print_identifier: URN | None = None
    short_title: Title
    publisher: Name
    year: Annotated[int, Field(ge=1450, le=2100)]
    language: Literal["en"] = "en"
    rights: Prose
    subjects: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]
    description: Prose


    @property
    def print_id(self) -> str:
        if self.print_identifier:
            return self.print_identifier
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.identifier + '#print')}"


class Block(Strict):
    """A group of lines set together, with the original's line breaks."""

    lines: Lines
    style: Literal["title", "publisher", "ornament", "plain", "note"] = "plain"


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

    @model_validator(mode="after")
    def _margins_leave_room(self) -> Print:
        width, height = mm(self.trim_width), mm(self.trim_height)
        m = self.margins
        if width - mm(m.inside) - mm(m.outside) < 40 or height - mm(m.top) - mm(m.bottom) < 60:
            raise ValueError("the margins leave less than 40x60mm for the text")
        return self


class Meta(Strict):
    """Everything in book.yaml."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$",
                                           max_length=MAX_SLUG)]
    original: Original
    edition: Edition
    cover: Page
    title_page: Page
    imprint: Page
    contents_heading: Name = "CONTENTS"
    text: Annotated[list[NonEmpty], Field(min_length=1)]  # at most limits.MAX_PARTS
    print: Print


class PartHeader(Strict):
    """The YAML header of one text file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=MAX_ID)]
    kind: Literal["preface", "letter"]
    title: Title
    # The lines as printed; else the title is printed.
    heading: Annotated[list[Title], Field(min_length=1, max_length=MAX_ITEMS)] | None = None
    heading_printed: bool = True  # false: the original prints none; kept for navigation only
    short_title: Title
    in_contents: bool = True
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


class Part(Strict):
    """One text file: its header, its text (as written, and parsed) and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    header: PartHeader
    body: str  # the Markdown text after the header, as written
    body_line: int  # the line of the file where `body` begins
    source: str  # the file, as named in messages
    number: int
    text: Text = Field(exclude=True, repr=False)  # `body` parsed (a function of it)

    @property
    def id(self) -> str:
        return self.header.id


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
    # The line of book.yaml where each key stands ("edition.description": 26), for the
    # messages of later stages.
    key_lines: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)
