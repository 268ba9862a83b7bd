"""The ISBN as a barcode for the back cover: EAN-13 (python-barcode encodes it: the check digit
and the left half's parities) and, where book.yaml gives the edition a price, its 5-digit
price add-on, as bars the cover template draws as K-only rectangles (a picture of the bars
would be RGB or a raster; a printer wants solid black rules).

python-barcode has no EAN-5 add-on, so that part is encoded here, by GS1's rule (General
Specifications 5.2.2.6: a check digit setting each digit's parity from its A and B sets,
which python-barcode's tables hold)."""

from __future__ import annotations

from dataclasses import dataclass

from barcode.charsets import ean as tables
from barcode.ean import EuropeanArticleNumber13

MODULE_MM = 0.33 * 0.8  # the narrowest bar: 80% of the nominal size, the least GS1 allows
BAR_MM = 22.85 * 0.8  # the bars' height at that size (the guard bars 5 modules longer)
QUIET = 11  # modules of white on the left of an EAN-13 (7 on its right)
ADDON_GAP = 9  # modules between the EAN-13 and its add-on (GS1: 7 to 12)
# The add-on's parities by its check digit (G: set B, L: set A).
ADDON_PARITY = ("BBAAA", "BABAA", "BAABA", "BAAAB", "ABBAA", "AABBA", "AAABB", "ABABA",
                "ABAAB", "AABAB")
# The add-on's first digit names the currency of the price that follows (Bookland).
PRICE_CURRENCY = {"USD": "5", "CAD": "6", "AUD": "3", "NZD": "4", "GBP": "0"}


@dataclass(frozen=True)
class Bar:
    start: int  # modules from the left of the symbol (quiet zone included)
    width: int  # modules
    guard: bool  # a guard bar, drawn longer; or (in the add-on) any bar, drawn shorter
    addon: bool = False


@dataclass(frozen=True)
class Barcode:
    isbn: str  # 13 digits
    addon: str  # 5 digits, or ''
    bars: tuple[Bar, ...]
    width: int  # modules, quiet zones included
    main_width: int = 0  # the EAN-13's modules, its quiet zones included (its digits' line)
    addon_start: int = 0  # where the add-on begins, and its modules (its digits' line)
    addon_width: int = 0


def ean5(code: str) -> str:
    """The modules of a 5-digit add-on: start, then each digit in its set, '01' between."""
    digits = [int(c) for c in code]
    check = (3 * sum(digits[0::2]) + 9 * sum(digits[1::2])) % 10
    parts = [tables.CODES[parity][digit] for parity, digit in zip(ADDON_PARITY[check], digits,
                                                                  strict=True)]
    return "1011" + "01".join(parts)


def price_addon(amount: str, currency: str) -> str:
    """The add-on for a price ("12.99", "USD" -> "51299"), or '' for one it cannot hold."""
    lead = PRICE_CURRENCY.get(currency)
    cents = round(float(amount) * 100)
    return f"{lead}{cents:04d}" if lead is not None and cents <= 9999 else ""


def barcode(isbn: str, addon: str = "") -> Barcode:
    """The bars of the ISBN's EAN-13 (and its add-on)."""
    digits = isbn.replace("-", "")
    symbol = EuropeanArticleNumber13(digits[:12])
    if str(symbol) != digits:
        raise ValueError(f"{isbn} has a wrong check digit")
    (modules,) = symbol.build()
    bars = _bars(modules, QUIET, guards=True)
    width = main = QUIET + len(modules) + 7
    start = length = 0
    if addon:
        start, length = QUIET + len(modules) + ADDON_GAP, len(ean5(addon))
        bars += _bars(ean5(addon), start, guards=False, addon=True)
        width = start + length + 5
    return Barcode(digits, addon, tuple(bars), width, main, start, length)


def _bars(modules: str, offset: int, guards: bool, addon: bool = False) -> list[Bar]:
    """Runs of dark modules as bars; in an EAN-13 the guards (first and last 3 modules,
    the middle 5) are marked to be drawn longer."""
    out, at = [], 0
    middle = (len(modules) - 5) // 2
    while at < len(modules):
        if modules[at] == "1":
            end = at
            while end < len(modules) and modules[end] == "1":
                end += 1
            guard = guards and (at < 3 or at >= len(modules) - 3 or middle <= at < middle + 5)
            out.append(Bar(offset + at, end - at, guard, addon))
            at = end
        else:
            at += 1
    return out
