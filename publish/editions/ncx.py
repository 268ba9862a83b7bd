"""The EPUB's NCX made whole, for the reading systems that read EPUB 2 (older Kobo and
Sony readers, Adobe's engine, some library apps).

ebooklib writes the NCX's navMap, but a depth and page counts of 0, an empty docTitle
(the book's title is set as metadata, not through `set_title`), no docAuthor and no
pageList, so those readers show no title and no print page numbers. This fills them in
from the book and the page markers the EPUB 3 page-list is made of; ebooklib has no way
to, hence by hand (the NCX's elements: ANSI/NISO Z39.86-2005, as EPUB 2.0.1 uses it).
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

NCX = "http://www.daisy.org/z3986/2005/ncx/"


def completed(ncx: bytes, title: str, authors: Sequence[str],
              pages: Sequence[tuple[str, str]]) -> bytes:
    """`ncx` (ebooklib's) with its depth, page counts, docTitle, docAuthors and a pageList
    of `pages`: (the label a page prints, the href of its marker), in order."""
    root = etree.fromstring(ncx)
    head, nav_map = root.find(f"{{{NCX}}}head"), root.find(f"{{{NCX}}}navMap")
    assert head is not None and nav_map is not None, "ebooklib's NCX has its head and navMap"
    numbers = [int(label) for label, _ in pages if label.isdigit()]
    values = {"dtb:depth": str(_depth(nav_map)), "dtb:totalPageCount": str(len(pages)),
              "dtb:maxPageNumber": str(max(numbers, default=0))}
    for meta in head.iterfind(f"{{{NCX}}}meta"):
        if meta.get("name") in values:
            meta.set("content", values[str(meta.get("name"))])
    for old in root.findall(f"{{{NCX}}}docTitle") + root.findall(f"{{{NCX}}}docAuthor"):
        root.remove(old)
    at = list(root).index(head) + 1
    for offset, (tag, text) in enumerate([("docTitle", title)] +
                                         [("docAuthor", name) for name in authors]):
        element = etree.Element(f"{{{NCX}}}{tag}")
        etree.SubElement(element, f"{{{NCX}}}text").text = text
        root.insert(at + offset, element)
    if pages:
        page_list = etree.SubElement(root, f"{{{NCX}}}pageList")
        label = etree.SubElement(page_list, f"{{{NCX}}}navLabel")
        etree.SubElement(label, f"{{{NCX}}}text").text = "Pages"
        for number, (page, href) in enumerate(pages, 1):
            target = etree.SubElement(page_list, f"{{{NCX}}}pageTarget", {
                "id": f"page-target-{number}", "type": "normal" if page.isdigit() else "front",
                **({"value": page} if page.isdigit() else {})})
            text = etree.SubElement(etree.SubElement(target, f"{{{NCX}}}navLabel"),
                                    f"{{{NCX}}}text")
            text.text = page
            etree.SubElement(target, f"{{{NCX}}}content", {"src": href})
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _depth(element: etree._Element) -> int:
    """How deep the navPoints nest (1: a flat list)."""
    points = element.findall(f"{{{NCX}}}navPoint")
    return max((1 + _depth(point) for point in points), default=0)
