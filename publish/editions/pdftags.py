"""The tagged print PDF finished as PDF/UA-1 asks: running heads and folios as artifacts,
and the file's claim of PDF/UA-1 beside its PDF/X-4 one.

WeasyPrint 70 tags the text of the pages' margin boxes (running heads, folios) as /Span
marked content, maps those to structure elements in the parent tree, and then leaves the
elements out of the tree (pdf/tags.py: "could be included in tree as Artifact, but that's
only allowed in PDF 2.0"). Such content is neither in the reading order nor an artifact,
which PDF/UA-1 forbids (ISO 14289-1 §7.1: content is real content or an artifact), and an
assistive reader meets a running head in the middle of a sentence split across pages. In
PDF 1.6 the way is in the content stream itself: `/Artifact <</Type /Pagination>> BDC`
(ISO 32000-1 §14.8.2.2). No library rewrites marked content, hence this module, on pikepdf's
content-stream parser.
"""

from __future__ import annotations

import pikepdf

_UA_NAMESPACE = "http://www.aiim.org/pdfua/ns/id/"
_BDC = pikepdf.Operator("BDC")


def finish_tags(pdf: pikepdf.Pdf) -> None:
    """Mark what the structure tree leaves out as pagination artifacts and claim PDF/UA-1.
    A PDF with no structure tree is left as it is."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return
    in_tree = _elements(root)
    nums = root.ParentTree.Nums
    parents = {int(nums[index]): nums[index + 1] for index in range(0, len(nums), 2)}
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        refs = parents.get(int(key)) if key is not None else None
        if not isinstance(refs, pikepdf.Array):
            continue
        outside = {mcid for mcid, ref in enumerate(refs)
                   if isinstance(ref, pikepdf.Dictionary) and ref.objgen not in in_tree}
        if not outside:
            continue
        instructions = pikepdf.parse_content_stream(page)
        for index, instruction in enumerate(instructions):
            if instruction.operator == _BDC and _mcid(list(instruction.operands)) in outside:
                artifact = pikepdf.Dictionary(Type=pikepdf.Name("/Pagination"))
                instructions[index] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name("/Artifact"), artifact], _BDC)
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        for mcid in outside:
            refs[mcid] = None  # an artifact has no structure parent
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp[f"{{{_UA_NAMESPACE}}}part"] = "1"


def _elements(root: pikepdf.Dictionary) -> set[tuple[int, int]]:
    """The structure elements reachable from the tree's root, as object numbers."""
    found: set[tuple[int, int]] = set()
    kids = root.get("/K")
    todo: list[object] = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    while todo:
        element = todo.pop()
        if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
            continue  # a marked-content id, an MCR or OBJR: not an element
        if element.objgen in found:
            continue
        found.add(element.objgen)
        kids = element.get("/K")
        todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    return found


def _mcid(operands: list[pikepdf.Object]) -> int | None:
    if len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary):
        mcid = operands[1].get("/MCID")
        return int(mcid) if mcid is not None else None
    return None
