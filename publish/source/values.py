"""The kinds of value book.yaml and the text headers hold, shared by model.py and
metadata.py: a strict model, lengths of text, and their limits.

Each limit is far above what a real book needs, and low enough that no field of a MARC
record (9,999 bytes at most, records/marc.py) can be too long, even if every character
took UTF-8's 4 bytes: the longest field holds a title and its alternate (245), or a
page's lines (500).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

MAX_NAME = 200  # a name, a place, a subject, a line of a page or of a heading
MAX_TITLE = 500  # a title: "The Life and Strange Surprizing Adventures of ..." is 370
MAX_PROSE = 2_000  # the description, the rights
MAX_ITEMS = 20  # contributors, subjects, numbers, lines of a heading or an addressee


def text_of(most: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=most)


NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, text_of(MAX_NAME)]
Title = Annotated[str, text_of(MAX_TITLE)]
Prose = Annotated[str, text_of(MAX_PROSE)]


class Strict(BaseModel):
    """Unknown keys are errors (a misspelt key is named, with the key meant)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
