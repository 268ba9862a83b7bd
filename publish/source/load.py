"""Source files -> validated book model.

Reads `book.yaml` and the text files it lists (the YAML through `yamlfile.py`, each
text's Markdown parsed by `markup.py`), and turns every problem into a `SourceError`
naming the file, the line and the fix. What loads is the whole book, checked: the model
holds the parsed text and where each character the book draws first stands, so no later
stage reads a source file again. Every file is read, and every text parsed, within the
limits of `limits.py` (README: Limits), one `Budget` for the whole book.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from publish.errors import SourceError
from publish.source import ids
from publish.source.across import cross_references, fits_structure
from publish.source.figures import Figure, identify
from publish.source.limits import (
    MAX_FIGURE_BYTES,
    MAX_IMAGE_BYTES,
    MAX_PARTS,
    MAX_TEXT_BYTES,
    MAX_YAML_BYTES,
    Budget,
    Refusal,
    read_source,
    read_text,
)
from publish.source.markup import check_inline, parse_text
from publish.source.metadata import Coded
from publish.source.model import Book, Group, Meta, Part, PartHeader
from publish.source.yamlfile import UNDRAWN, Lines, read_yaml
from publish.source.yamlfile import characters as characters_of

M = TypeVar("M", bound=BaseModel)


def load_book(root: Path) -> Book:
    """Load and validate the book in `root` (the folder holding book.yaml)."""
    try:
        root = root.resolve()
    except RuntimeError:  # a loop of links
        raise SourceError("S-NOT-REGULAR", f"the book's folder {root} is a loop of symbolic "
                          "links", "name the book's real folder", str(root)) from None
    meta_path = root / "book.yaml"
    meta, lines, text = _load_yaml(Meta, root, "book.yaml")
    characters: dict[str, tuple[str, int]] = {}
    _note(characters, _rel(meta_path, root), characters_of(text, 1))
    files = meta.files
    if len(files) > MAX_PARTS:
        raise SourceError(
            "S-TOO-MANY", f"`text` lists more than {MAX_PARTS:,} text files",
            "join parts into fewer files, or make two books of it (README: Limits)",
            _rel(meta_path, root), _entry_lines(meta, lines)[MAX_PARTS])
    parts: list[Part] = []
    used: dict[str, str] = {}  # id -> the file that uses it
    id_lines: list[int] = []
    listed: set[str] = set()
    budget = Budget()
    groups: dict[str, str] = {}  # a group's file -> its part's id
    entry_lines = _entry_lines(meta, lines)
    for index, (name, group) in enumerate(files):
        where = entry_lines[index]
        path = inside(root, name, meta_path, where)
        if name in listed:
            raise SourceError(
                "S-TEXT-TWICE", f"text file '{name}' is listed twice in `text`",
                "list each text file once", _rel(meta_path, root), where,
            )
        listed.add(name)
        part, id_line = _load_part(path, root, index + 1, (_rel(meta_path, root), where),
                                   characters, budget)
        part = part.model_copy(update={"figures": _figures(
            part, path, root, sum(len(p.figures) for p in parts), meta, budget)})
        if part.id in used:
            raise SourceError(
                "S-DUPLICATE-ID", f"id '{part.id}' is already used by {used[part.id]}",
                "give each text file its own `id`", part.source, id_line,
            )
        used[part.id] = part.source
        if group is None and any(isinstance(e, Group) and e.part == name for e in meta.text):
            groups[name] = part.id
        part = part.model_copy(update={
            "group": groups.get(group) if group else None,
            "matter": part.header.matter or part.kind.matter})
        fits_structure(part, group is not None, name in groups, bool(groups) or any(
            isinstance(e, Group) for e in meta.text), (_rel(meta_path, root), where))
        if parts and _ORDER[part.matter] < _ORDER[parts[-1].matter]:
            raise SourceError(
                "S-PART-ORDER", f"'{name}' is {part.matter} matter ({part.header.kind}) but "
                f"comes after {parts[-1].source}, {parts[-1].matter} matter",
                "list the front matter first, then the body, then the back matter; or set "
                "the part's `matter:` in its header", _rel(meta_path, root), where)
        parts.append(part)
        id_lines.append(id_line)
    for part, id_line in zip(parts, id_lines, strict=True):
        _not_generated(part, used, id_line)
    cross_references(parts, used)
    key_lines = {".".join(map(str, key)): line for key, line in lines.items()}
    return Book(meta=meta, parts=parts, root=str(root), characters=characters,
                key_lines=key_lines)


_ORDER = {"front": 0, "body": 1, "back": 2}
# The keys of the first format (Seven Letters' own, before issue 15), and what they became.
OLD_KEYS = {
    "title_zh": "give the Chinese title as an alternate form: title: {en: ..., zh-Hans: ...}",
    "publisher_zh": "give it as an alternate form: publisher: {en: ..., zh-Hans: ...}",
    "place_zh": "give it as an alternate form: place: {en: ..., zh-Hans: ...}",
    "edition_zh": "give it as an alternate form: edition: {en: ..., zh-Hans: ...}",
    "authors": "list them under `contributors:` (each name, kind, role, sort)",
    "file_as": "write `sort:` (how a catalogue sorts the name)",
    "year": "write `date:` (2026, 2026-03 or 2026-03-15)",
    "print_identifier": "give the print edition's ISBN as isbn: {print: ...}",
}


def _entry_lines(meta: Meta, lines: Lines) -> list[int]:
    """The line of book.yaml where `text` lists each file of `meta.files`, in its order."""
    out: list[int] = []
    for index, entry in enumerate(meta.text):
        if isinstance(entry, Group):
            out.append(lines.get(("text", index, "part"), 1))
            out += [lines.get(("text", index, "chapters", at), 1)
                    for at in range(len(entry.chapters))]
        else:
            out.append(lines.get(("text", index), 1))
    return out


def _not_generated(part: Part, used: dict[str, str], line: int) -> None:
    """The print edition is one HTML document: no part may have as its id the id of an
    element of another part (ids.py)."""
    found = ids.generated(part.id)
    if found and found[0] in used:
        owner, element = found
        raise SourceError(
            "S-DUPLICATE-ID", f"id '{part.id}' is the id of an element of the part "
            f"'{owner}' ({used[owner]})",
            f"choose an id that is not another part's id followed by '-{element}'",
            part.source, line)


# Characters that are not text but change how the text around them is shown: the
# bidirectional controls (an override prints the words after it reversed) and the
# Unicode line and paragraph separators (no renderer breaks a line at them the same way).
_NOT_TEXT = {**{chr(c): "a bidirectional control" for c in (
    *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)},
    "\u2028": "a line separator", "\u2029": "a paragraph separator",
    # What a file holds where it could not be read (markdown-it's word for NUL, &#0; or an
    # entity of no character): never what the author meant.
    "\ufffd": "the replacement character (a NUL, or an entity of no character, becomes it)",
    **{chr(c): "a control character" for c in (*range(0x00, 0x09), 0x0B, 0x0C,
                                                *range(0x0E, 0x20), *range(0x7F, 0xA0))}}


def _note(characters: dict[str, tuple[str, int]], rel: str,
          drawn: Iterable[tuple[int, str]]) -> None:
    """Keep where each character first stands (the fonts must cover them all); refuse a
    character that is not text."""
    for line, char in drawn:
        if char in characters or char in UNDRAWN:
            continue
        if char in _NOT_TEXT:
            raise SourceError("S-CHARACTER", f"U+{ord(char):04X} is {_NOT_TEXT[char]}, not "
                              "text: the editions would show the text around it otherwise "
                              "than it is written", "remove it (for a new line, end the line; "
                              "for a new paragraph, leave a blank line)", rel, line)
        characters[char] = (rel, line)


def load_yaml(model: type[M], root: Path, name: str) -> tuple[M, Lines]:
    """Read, parse and validate the YAML file `name` of the folder `root` as a `model`;
    also return the line of every key, for later messages to point at."""
    value, lines, _ = _load_yaml(model, root, name)
    return value, lines


def _load_yaml(model: type[M], root: Path, name: str) -> tuple[M, Lines, str]:
    path = inside(root, name, root / name, 1)
    rel = _rel(root / name, root)  # as the book names it, if it is a link
    text = read_text(path, rel, MAX_YAML_BYTES)
    data, lines = read_yaml(text, rel)
    value = _validate(model, data, lines, root / name, root)
    _check_markup(data, lines, rel)
    return value, lines, text


def _load_part(path: Path, root: Path, number: int, listed: tuple[str, int],
               characters: dict[str, tuple[str, int]], budget: Budget) -> tuple[Part, int]:
    """The part in the text file `path` (named at `listed`, book.yaml's line), and the
    line of its `id`; `budget`: what is left of the book's limits."""
    rel = _rel(path, root)
    if not path.exists() or path.is_dir():
        state = "is a folder, not a file" if path.exists() else "does not exist"
        raise SourceError(
            "S-TEXT-MISSING", f"text file '{rel}' {state}",
            "create the file, or correct its name in book.yaml's `text` list", *listed)
    text = read_text(path, rel, MAX_TEXT_BYTES, listed, budget)
    if not text.strip():
        raise SourceError(
            "S-TEXT-EMPTY", "the text file is empty",
            "add a YAML header between '---' lines and the part's text", rel, 1,
        )
    lines = text.split("\n")
    if lines[0].strip() != "---":
        raise SourceError(
            "S-NO-HEADER", "a text file must begin with a YAML header: a line '---'",
            "start the file with '---', the header (id, kind, title, short_title), and '---'",
            rel, 1,
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SourceError(
            "S-NO-HEADER", "the YAML header is not closed", "end the header with a line '---'",
            rel, 1,
        ) from None
    header_text = "\n".join(lines[1:end])
    data, keys = read_yaml(header_text, rel, first_line=2)
    header = _validate(PartHeader, data, keys, path, root)
    _check_markup(data, keys, rel)
    body = "\n".join(lines[end + 1 :])
    if not body.strip() and header.kind not in ("part", "half-title"):  # a title alone
        raise SourceError(
            "S-TEXT-EMPTY", "the part has a header but no text",
            "write the part's text, or an `::: editorial` note saying why it has none",
            rel, end + 2,
        )
    parsed = parse_text(body, rel, end + 2, header.id, budget, header.kind == "epigraph")
    _note(characters, rel, characters_of(header_text, 2))
    _note(characters, rel, parsed.characters())
    part = Part(header=header, body=body, body_line=end + 2, source=rel, number=number,
                text=parsed)
    return part, keys[("id",)]


def _figures(part: Part, path: Path, root: Path, before: int, meta: Meta,
             budget: Budget) -> tuple[Figure, ...]:
    """The images of a part's text (named from its file), read and checked: figures.py."""
    out: list[Figure] = []
    for found in part.text.figures:
        # Named from the text file; resolved, and refused outside, from the book's folder.
        name = os.path.normpath(path.parent.relative_to(root) / found.src)
        image = inside(root, name, path, found.line)
        shown = _rel(image, root)
        if not image.exists() or image.is_dir():
            raise SourceError("S-FILE-MISSING", f"the image '{found.src}' ({shown}) "
                              f"{'is a folder' if image.exists() else 'does not exist'}",
                              "copy the image there, or correct its name (it is named from "
                              "the text file's folder)", part.source, found.line)
        try:
            data = read_source(image, shown, MAX_IMAGE_BYTES, (part.source, found.line))
        except SourceError as error:
            if error.code != "S-TOO-LARGE":
                raise
            raise SourceError("S-TOO-LARGE", f"'{found.src}': an image may hold at most "
                              f"{MAX_IMAGE_BYTES >> 20} MB", "scale the image down: 300 pixels "
                              "an inch of the printed page is enough (README: Limits)",
                              part.source, found.line) from None
        if len(data) > budget.figure_bytes:
            raise SourceError("S-TOO-LARGE", f"'{found.src}': the images of a book together "
                              f"may hold at most {MAX_FIGURE_BYTES >> 20} MB", "scale the "
                              "images down, or make two books of it (README: Limits)",
                              part.source, found.line)
        budget.figure_bytes -= len(data)
        out.append(identify(found, data, shown, part.source, found.line,
                            before + len(out) + 1, meta.print.text_block,
                            hashlib.sha256(data).hexdigest()))
    return tuple(out)


def _check_markup(data: Any, lines: Lines, rel: str, at: tuple[str | int, ...] = ()) -> None:
    """Every string of the metadata may be set as Markdown inline text (a title, a line of
    the title page): refuse there what the text refuses (images, links that lead nowhere)."""
    if isinstance(data, str):
        try:
            check_inline(data)
        except Refusal as refused:
            raise SourceError(refused.code, refused.message, refused.fix, rel,
                              _line_of(at, lines)) from None
    elif isinstance(data, dict):
        for key, value in data.items():
            _check_markup(value, lines, rel, (*at, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _check_markup(value, lines, rel, (*at, index))


def _validate(model: type[M], data: Any, lines: Lines, path: Path, root: Path) -> M:
    rel = _rel(path, root)
    if not isinstance(data, dict):
        raise SourceError("S-YAML", "expected a mapping of keys to values",
                          "see README: Writing a book", rel, lines[()])
    try:
        return model.model_validate(data)
    except ValidationError as errors:
        # An unknown key first (a misspelt key is also reported as a missing one), then a
        # value refused with its own code, then the error deepest in the data (of the
        # branches of a choice, `str | Group`, the one the value was meant for).
        # At equal depth, an error of the value's type comes last: it is a branch's that
        # the value was not meant for (a mapping is no string).
        found = [(e, _data_path(tuple(e["loc"]), data, e["type"])) for e in errors.errors()]
        first, loc = min(found, key=lambda f: (
            f[0]["type"] != "extra_forbidden",
            not isinstance((f[0].get("ctx") or {}).get("error"), Coded), -len(f[1]),
            str(f[0]["type"]).endswith("_type")))
        line = _line_of(loc, lines)
        key = ".".join(str(part) for part in loc) or "(top level)"
        if first["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1], data)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
            fix = OLD_KEYS.get(str(loc[-1]), fix)
            raise SourceError("S-UNKNOWN-KEY", f"unknown key '{key}'", fix, rel, line) from None
        error = (first.get("ctx") or {}).get("error")
        if isinstance(error, Coded):
            message = f"'{key}': {error.message}" if loc else error.message
            raise SourceError(error.code, message, error.fix, rel, line) from None
        if first["type"] == "missing":
            raise SourceError("S-MISSING-KEY", f"required key '{key}' is missing",
                              f"add '{loc[-1]}:' (see README: Writing a book)", rel, line) from None
        fix = "correct the value (see README: Writing a book)"
        if first["type"] in ("string_too_long", "too_long"):  # model.py's caps
            fix = "shorten it (README: Limits): each value must fit a catalogue record"
        raise SourceError("S-BAD-VALUE", f"'{key}': {first['msg']}", fix, rel, line) from None


def _data_path(loc: tuple[str | int, ...], data: Any, kind: str) -> tuple[str | int, ...]:
    """pydantic's location of an error as a path in the data: without the names it gives
    the branches of a choice (`constrained-str`, `Group`) and the `[key]` of a mapping's
    key; a missing or unknown key (`kind`) ends the path though it is not in the data."""
    path: list[str | int] = []
    for step in loc:
        if isinstance(data, dict) and step in data:  # noqa: SIM114 (mypy: one index each)
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            continue
        path.append(step)
    if kind in ("missing", "extra_forbidden") and loc and isinstance(loc[-1], str) \
            and (not path or path[-1] != loc[-1]):
        path.append(loc[-1])
    return tuple(path)


def _line_of(loc: tuple[str | int, ...], lines: Lines) -> int:
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...], data: Any) -> list[str]:
    """The keys allowed where an unknown key was found, for the 'did you mean' hint."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
        if current is None:
            return []
    return list(current.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def inside(root: Path, name: str, listed_in: Path, line: int) -> Path:
    """Resolve a path named in the source, refusing any that leaves the source folder,
    also by a symbolic link (resolve() follows links)."""
    try:
        path = (root / name).resolve()
        path.is_file()  # a name too long for the system fails here, not later
    except RuntimeError:  # Python 3.11's word for a loop of links
        raise SourceError("S-NOT-REGULAR", f"'{name[:80]}' is a loop of symbolic links",
                          "replace the link by the file it should be", _rel(listed_in, root),
                          line) from None
    except (OSError, ValueError):
        raise SourceError("S-BAD-VALUE", f"'{name[:80]}' cannot be a file name",
                          "name a file of the book's folder", _rel(listed_in, root),
                          line) from None
    if not path.is_relative_to(root):
        raise SourceError("S-OUTSIDE", f"'{name}' points outside the folder {root.name}/",
                          f"keep every file inside {root.name}/ (a link out of it counts)",
                          _rel(listed_in, root), line)
    return path


def _rel(path: Path, root: Path) -> str:
    """`path` as messages name it: from the book's folder on (`minimal/text/01-first.md`).
    Normalised but not resolved, so that a link is named as the source names it."""
    try:
        return str(Path(os.path.normpath(path)).relative_to(root.parent))
    except ValueError:
        return str(path)
