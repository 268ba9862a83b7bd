"""The language of each tagged element, which WeasyPrint 70's PDF tagging leaves out.

WeasyPrint (`pdf_tags=True`) gives the catalog the root element's `lang` as /Lang, but no
structure element its own, so a screen reader reads the imprint's Chinese, or a French
phrase in an English book, with the book's voice. PDF gives a structure element its
language with /Lang (ISO 32000-1 §14.9.2). WeasyPrint has no option or hook for it: its
structure elements are made in one private function, `_build_box_tree`, which recurses
through the module's global name. `languages()` wraps that function while a PDF is written,
and gives /Lang to each element made for an HTML element with a `lang` of its own (the
rendering gives one to every run in another language: render/markup.py). WeasyPrint is
pinned (constraints.txt), and tests/test_print.py reads the languages back from the PDF.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint.pdf import tags

_ORIGINAL = tags._build_box_tree
_LOCK = threading.Lock()  # one wrapped writer at a time: the name is the module's


def _with_language(box: Any, parent: Any, *rest: Any) -> Iterator[Any]:
    element = getattr(box, "element", None)
    own = None
    if element is not None and getattr(box, "element_tag", None) not in ("html", "body"):
        own = element.get("lang") or element.get("{http://www.w3.org/XML/1998/namespace}lang")
    for made in _ORIGINAL(box, parent, *rest):
        if own:  # but for html and body (skipped above), what a call yields is its box's
            made["Lang"] = pydyf.String(own)
        yield made


@contextlib.contextmanager
def languages() -> Iterator[None]:
    """While the block runs, WeasyPrint's tagging gives elements their `lang` as /Lang."""
    with _LOCK:
        tags._build_box_tree = _with_language
        try:
            yield
        finally:
            tags._build_box_tree = _ORIGINAL
