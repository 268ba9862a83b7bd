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
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from publish.source import ids
from publish.source.markup import Text

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Lines = Annotated[list[NonEmpty], Field(min_length=1)]

URN = r"^urn:(uuid|isbn):\S+$"
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)\s*$")
_PER_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Length = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=_LENGTH.pattern),
    Field(description="a length with a unit: mm, cm, in or pt"),
]


def mm(length: str) -> float:
    """A Length from book.yaml in millimetres."""
    match = _LENGTH.match(length)
    if match is None:
        raise ValueError(f"not a length: {length!r}")
    return float(match[1]) * _PER_MM[match[2]]


class Author(Strict):
    name: NonEmpty
    file_as: NonEmpty
    role: Literal["aut", "edt", "trl", "pbl"] = "aut"


class Original(Strict):
    """The edition this one reproduces, as its title page and imprint give it."""

    title: NonEmpty
    title_zh: NonEmpty
    authors: Annotated[list[Author], Field(min_length=1)]
    publisher: NonEmpty
    publisher_zh: NonEmpty
    place: NonEmpty
    place_zh: NonEmpty
    year: Annotated[int, Field(ge=1450, le=2100)]
    edition: NonEmpty
    edition_zh: NonEmpty
    numbers: Annotated[list[NonEmpty], Field(min_length=1)]


class Edition(Strict):
    """This edition's own identity: `identifier` names the EPUB, `print_identifier` the
    print edition (derived from `identifier` when not given: stable, never random)."""

    identifier: Annotated[str, StringConstraints(pattern=URN)]
    print_identifier: Annotated[str, StringConstraints(pattern=URN)] | None = None
    short_title: NonEmpty
    publisher: NonEmpty
    year: Annotated[int, Field(ge=1450, le=2100)]
    language: Literal["en"] = "en"
    rights: NonEmpty
    subjects: Annotated[list[NonEmpty], Field(min_length=1)]
    description: NonEmpty


    @property
    def print_id(self) -> str:
        if self.print_identifier:
            return self.print_identifier
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.identifier + '#print')}"


class Block(Strict):
    """A group of lines set together, with the original's line breaks."""

    lines: Lines
    style: Literal["title", "publisher", "ornament", "plain", "note"] = "plain"


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
    trim_name: NonEmpty
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

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    original: Original
    edition: Edition
    cover: Annotated[list[Block], Field(min_length=1)]
    title_page: Annotated[list[Block], Field(min_length=1)]
    imprint: Annotated[list[Block], Field(min_length=1)]
    contents_heading: NonEmpty = "CONTENTS"
    text: Annotated[list[NonEmpty], Field(min_length=1)]
    print: Print


class PartHeader(Strict):
    """The YAML header of one text file."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    kind: Literal["preface", "letter"]
    title: NonEmpty
    heading: list[NonEmpty] | None = None  # the lines as printed; else the title is printed
    heading_printed: bool = True  # false: the original prints none; kept for navigation only
    short_title: NonEmpty
    in_contents: bool = True
    date: dt.date | None = None
    dateline: NonEmpty | None = None
    sender: NonEmpty | None = None
    recipient: NonEmpty | None = None
    addressee: list[NonEmpty] | None = None

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
    root: str
    # Every character the source draws, with the file and line where it first stands: what
    # the fonts must cover (source/fonts.py). A function of the files, so not dumped.
    characters: dict[str, tuple[str, int]] = Field(default_factory=dict, exclude=True,
                                                   repr=False)
