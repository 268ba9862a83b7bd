"""Page labels: the PDF's /PageLabels ranges (front matter i, ii, ...; the body 1, 2, ...)
and the label each page gets from them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

LabelStyle = Literal["roman", "arabic", "none"]
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


@dataclass(frozen=True)
class PageLabelRange:
    """Pages from `start_index` (0-based) on are labelled in `style`, counting from `first`.

    `roman` gives i, ii, iii...; `arabic` 1, 2, 3...; `none` an empty label (unnumbered
    pages, e.g. a half-title). A range runs until the next range's `start_index`.
    """

    start_index: int
    style: LabelStyle
    first: int = 1


def roman(number: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out += letters * count
    return out


def labels_of(ranges: Sequence[PageLabelRange], count: int) -> list[str]:
    """The label of every page, from the PDF's /PageLabels ranges."""
    out = []
    for index in range(count):
        current = max((r for r in ranges if r.start_index <= index), key=lambda r: r.start_index)
        number = index - current.start_index + current.first
        out.append(roman(number) if current.style == "roman" else
                   str(number) if current.style == "arabic" else "")
    return out
