"""The print services as data: each one's rules for the files it takes (data/services.yaml),
and what follows from them for a book of so many pages: the spine's width, the blank pages
the interior ends with, the least inside margin, where the barcode goes.

`publish build --service NAME` lays the interior out within the service's safe zone, ends
it with the pages the service counts, and sizes the cover by its spine formula; the
preflight checks the files against the same profile (checks/preflight.py)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

import yaml
from pydantic import Field

from publish.resources import read_data
from publish.source.model import Strict

Inches = Annotated[float, Field(ge=0, le=2)]
ServiceName = Literal["kdp", "ingramspark", "lulu", "press"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("kdp", "ingramspark", "lulu", "press")
ALIASES = {"pod": "kdp"}  # the former `--profile pod`: a print-on-demand service, KDP's rules


class Gutter(Strict):
    pages: int  # up to and including this many pages
    inside: Inches


class PageRules(Strict):
    min: Annotated[int, Field(ge=1)]
    max: Annotated[int, Field(ge=1)]
    multiple: Annotated[int, Field(ge=1)]  # the page count is a multiple of it (blanks added)
    last_blank: bool  # the last page must be blank (the service prints its own marks there)


PerPage = Annotated[float, Field(gt=0, lt=0.01)]


class Paper(Strict):
    white: PerPage
    cream: PerPage


class Spine(Strict):
    per_page: Paper  # inches of spine a page, by paper
    add: Inches  # the cover's own thickness, where the formula adds one


class SpineText(Strict):
    min_pages: int
    clearance: Inches  # text this far inside each of the spine's folds


class Barcode(Strict):
    """The white box the ISBN's barcode goes in, on the back cover: its size, and how far
    its right side is from the spine and its foot from the bottom trim."""

    width: Inches
    height: Inches
    from_spine: Inches
    from_bottom: Inches
    required: bool  # the service takes no cover without it (where the book has an ISBN)


class Service(Strict):
    name: str
    accepts: list[Literal["PDF/X-1a", "PDF/X-3", "PDF/X-4"]]
    marks: bool  # crop marks drawn around the trim
    interior_bleed: Inches
    cover_bleed: Inches
    safe_zone: Inches  # every mark of the interior this far inside the trim
    cover_safe_zone: Inches
    gutter: Annotated[list[Gutter], Field(min_length=1)]
    pages: PageRules
    spine: Spine
    spine_text: SpineText
    barcode: Barcode
    ink_limit: Annotated[int, Field(ge=100, le=400)]  # total area coverage, per cent

    def spine_inches(self, pages: int, paper: Literal["white", "cream"]) -> float:
        """The spine's width by the service's own formula, for `pages` pages on `paper`."""
        per_page: float = getattr(self.spine.per_page, paper)
        return pages * per_page + self.spine.add

    def spine_text_size(self, pages: int, paper: Literal["white", "cream"]) -> float:
        """The spine text's size in points: 8 pt, or as much as the spine holds inside its
        clearances (a line is about 1.3 times its size); 0 where the service prints no
        spine text, or where it would be smaller than 5 pt."""
        if pages < self.spine_text.min_pages:
            return 0.0
        room = (self.spine_inches(pages, paper) - 2 * self.spine_text.clearance) * 72 / 1.3
        size = min(8.0, room)
        return round(size, 1) if size >= 5 else 0.0

    def least_inside(self, pages: int) -> float:
        """The least inside margin for a book of `pages` pages (the last row beyond)."""
        return next((row.inside for row in self.gutter if pages <= row.pages),
                    self.gutter[-1].inside)

    def blank_pages(self, pages: int, last_is_blank: bool) -> int:
        """How many blank pages the interior ends with, so that the service prints it as it
        is: a blank last page where it wants one, and a count it takes (at least its least,
        a multiple)."""
        added = 0 if last_is_blank or not self.pages.last_blank else 1
        added = max(added, self.pages.min - pages)  # a short book: blank leaves to the least
        while (pages + added) % self.pages.multiple:
            added += 1
        return added


@cache
def services() -> dict[str, Service]:
    """Every service of data/services.yaml, by name."""
    data = yaml.safe_load(read_data("services.yaml"))
    return {name: Service.model_validate(rules) for name, rules in data.items()}


def service(name: str) -> Service:
    return services()[ALIASES.get(name, name)]


def canonical(name: str) -> ServiceName:
    """The service a name means (the former profile `pod` is KDP's)."""
    found = ALIASES.get(name, name)
    if found not in SERVICE_NAMES:
        raise ValueError(name)
    return found
