"""What markdown-it would silently drop, or show as text that was not meant as text,
refused with its line: a `:::` line that is not a closed `::: editorial` note, and a link
reference definition that prints nothing (source/markup.py's parser uses these rules)."""

from __future__ import annotations

from typing import Any

from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore

from publish.source.limits import Refusal


def fences(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Every `:::` line where a block may begin: only an `::: editorial` note, closed and
    not inside another, is opened (by mdit_py_plugins' container, which would close a
    note that is never closed at the end of the text, and show any other `:::` as
    text). A `:::` line of a code block is code. Silently, any `:::` line ends a
    paragraph, so that it is refused and not read as the paragraph's text."""
    if state.is_code_block(start):
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(":::", begin):
        return False
    if silent:
        return True
    line = state.src[begin : state.eMarks[start]]
    markers = len(line) - len(line.lstrip(":"))
    name = line[markers:].strip()
    fix = "open an editor's note with '::: editorial' and close it with ':::' (README: " \
        "Writing a book); write '\\:::' for the text ':::'"
    if not name:
        raise Refusal("S-CONTAINER", start + 1, "a ':::' that closes no container", fix)
    if name not in ("editorial", "verse", "epigraph"):
        raise Refusal("S-CONTAINER", start + 1, f"'{line.strip()[:80]}': the containers of "
                      "the format are '::: editorial', '::: verse' and '::: epigraph'", fix)
    if name == "editorial" and state.env.get("editorial"):
        raise Refusal("S-CONTAINER", start + 1, "an editorial note inside another one",
                      "close the first note with ':::' before opening the next")
    if not _closed(state, start, end, markers):
        raise Refusal("S-CONTAINER", start + 1, f"this '::: {name}' is never closed: the "
                      "rest of the text would be in it", "close it with a line "
                      f"'{':' * markers}'" + (" inside the list item or quotation it is in"
                                              if state.blkIndent or state.parentType != "root"
                                              else ""))
    return False


def _closed(state: StateBlock, start: int, end: int, markers: int) -> bool:
    """Whether the note opened at `start` is closed before its text ends: the search of
    mdit_py_plugins' container, which closes a note it does not find closed."""
    for line in range(start + 1, end):
        begin, stop = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if begin < stop and state.sCount[line] < state.blkIndent:
            return False  # the list item or quotation it is in ends first
        if not state.src.startswith(":", begin) or state.is_code_block(line):
            continue
        text = state.src[begin:stop]
        count = len(text) - len(text.lstrip(":"))
        if count >= markers and not text[count:].strip(" \t"):
            return True
    return False


class _References(dict[str, Any]):
    """The link reference definitions of a text (markdown-it's `env["references"]`),
    noting which ones a link looks up."""

    def __init__(self, defined: dict[str, Any]) -> None:
        super().__init__(defined)
        self.used: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return super().get(key, default)


def record_references(state: StateCore) -> None:
    if "references" in state.env:
        state.env["references"] = _References(state.env["references"])


def check_references(state: StateCore) -> None:
    """A link reference definition (`[label]: https://...`) prints nothing: one that no
    link uses, or that is given twice (markdown-it keeps the first), is text lost."""
    fix = "use it in a link ('[text][label]') or remove it; write '\\[' for a '[' of the text"
    twice = state.env.get("duplicate_refs")
    if twice:
        raise Refusal("S-REFERENCE", twice[0]["map"][0] + 1, f"the link reference "
                      f"'[{twice[0]['label']}]' is defined twice: this definition would print "
                      "nothing", fix)
    defined = state.env.get("references")
    if isinstance(defined, _References):
        for label, definition in defined.items():
            if label not in defined.used:
                raise Refusal("S-REFERENCE", definition["map"][0] + 1, f"no link uses the "
                              f"reference '[{label}]': its definition would print nothing", fix)
