"""Source files -> validated book model.

Reads `book.yaml` and the text files it lists, and turns every problem into a
`SourceError` naming the file, the line and the fix. PyYAML gives no line numbers
after parsing, so the YAML is composed into nodes first and each key's line kept
(by hand: no library maps a pydantic error location back to a YAML line).

The YAML a book may use is plain YAML: tags, anchors and aliases are refused (they
let a small file expand to billions of values, or reach PyYAML constructors that
crash), and so is nesting deeper than any key of the format.
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import SourceError
from .markup import Refusal, check_inline
from .model import Book, Meta, Part, PartHeader

Lines = dict[tuple[str | int, ...], int]
M = TypeVar("M", bound=BaseModel)


def load_book(root: Path) -> Book:
    """Load and validate the book in `root` (the folder holding book.yaml)."""
    root = root.resolve()
    meta_path = root / "book.yaml"
    meta, lines = load_yaml(Meta, root, "book.yaml")
    parts: list[Part] = []
    ids: dict[str, str] = {}  # id -> the file that uses it
    id_lines: list[int] = []
    for index, name in enumerate(meta.text):
        where = lines.get(("text", index), 1)
        path = inside(root, name, meta_path, where)
        if name in meta.text[:index]:
            raise SourceError(
                "S-TEXT-TWICE", f"text file '{name}' is listed twice in `text`",
                "list each text file once", _rel(meta_path, root), where,
            )
        part, id_line = _load_part(path, root, index + 1, meta_path, where)
        if part.id in ids:
            raise SourceError(
                "S-DUPLICATE-ID", f"id '{part.id}' is already used by {ids[part.id]}",
                "give each text file its own `id`", part.source, id_line,
            )
        ids[part.id] = part.source
        parts.append(part)
        id_lines.append(id_line)
    for part, id_line in zip(parts, id_lines, strict=True):
        _not_generated(part, ids, id_line)
    return Book(meta=meta, parts=parts, root=str(root))


# The ids the build gives to the elements of a part `x`: `x-1`, `x-2`... (its blocks),
# `x-heading`, `x-dateline`, `x-addressee`. The print edition is one HTML document, so
# no part may have one of them as its id.
_GENERATED = re.compile(r"^(?P<part>.+)-(?P<element>[0-9]+|heading|dateline|addressee)$")


def _not_generated(part: Part, ids: dict[str, str], line: int) -> None:
    match = _GENERATED.match(part.id)
    if match and match["part"] in ids:
        raise SourceError(
            "S-DUPLICATE-ID", f"id '{part.id}' is the id of an element of the part "
            f"'{match['part']}' ({ids[match['part']]})",
            f"choose an id that is not another part's id followed by '-{match['element']}'",
            part.source, line)


def load_yaml(model: type[M], root: Path, name: str) -> tuple[M, Lines]:
    """Read, parse and validate the YAML file `name` of the folder `root` as a `model`;
    also return the line of every key, for later messages to point at."""
    path = inside(root, name, root / name, 1)
    data, lines = _read_yaml(_read_text(path, root), path, root)
    value = _validate(model, data, lines, path, root)
    _check_markup(data, lines, _rel(path, root))
    return value, lines


def _load_part(path: Path, root: Path, number: int, listed_in: Path,
               listed_at: int) -> tuple[Part, int]:
    """The part in the text file `path`, and the line of its `id`."""
    rel = _rel(path, root)
    if not path.is_file():
        state = "is not a file" if path.exists() else "does not exist"
        raise SourceError(
            "S-TEXT-MISSING", f"text file '{rel}' {state}",
            "create the file, or correct its name in book.yaml's `text` list",
            _rel(listed_in, root), listed_at,
        )
    text = _read_text(path, root)
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
    data, keys = _read_yaml("\n".join(lines[1:end]), path, root, first_line=2)
    header = _validate(PartHeader, data, keys, path, root)
    _check_markup(data, keys, rel)
    body = "\n".join(lines[end + 1 :])
    if not body.strip():
        raise SourceError(
            "S-TEXT-EMPTY", "the part has a header but no text",
            "write the part's text, or an `::: editorial` note saying why it has none",
            rel, end + 2,
        )
    part = Part(header=header, body=body, body_line=end + 2, source=rel, number=number)
    return part, keys[("id",)]


def _read_text(path: Path, root: Path) -> str:
    rel = _rel(path, root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(
            "S-FILE-MISSING", f"'{rel}' does not exist", "create it (see README: Writing a book)",
            rel,
        ) from None
    except OSError as error:
        raise SourceError("S-FILE-UNREADABLE", f"cannot read '{rel}': {error.strerror}",
                          "check the file's permissions", rel) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raise SourceError("S-BOM", "the file begins with a byte-order mark",
                          "save the file as UTF-8 without BOM", rel, 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SourceError("S-NOT-UTF8", f"byte {raw[error.start]:#04x} is not valid UTF-8",
                          "save the file as UTF-8", rel, line) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, its scalar constructors guarded (below)."""


class _BadScalar(yaml.MarkedYAMLError):
    pass


def _guarded(tag: str) -> Callable[[yaml.SafeLoader, yaml.ScalarNode], Any]:
    """A constructor that turns PyYAML's own crash into a marked error: '0x_' and
    '1964-02-30' match YAML 1.1's int and date patterns, and int() and date() then fail."""
    construct = yaml.SafeLoader.yaml_constructors[tag]
    kind = {"int": "a number", "float": "a number", "bool": "true or false",
            "timestamp": "a date"}[tag.rpartition(":")[2]]

    def guarded(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
            raise _BadScalar(None, None, f"'{node.value}' is written like {kind} but is not "
                             "one", node.start_mark) from None

    return guarded


for _tag in ("int", "float", "bool", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _guarded(f"tag:yaml.org,2002:{_tag}"))

MAX_DEPTH = 20  # the format nests 4 levels deep; PyYAML's composer recurses per level
_OPEN = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
         yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSE = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _read_yaml(text: str, path: Path, root: Path, first_line: int = 1) -> tuple[Any, Lines]:
    """Parse YAML, keeping the line of every key and list item."""
    rel = _rel(path, root)
    # Lines are counted by "\n" as everywhere else (PyYAML also breaks lines at U+0085,
    # U+2028 and U+2029), from a mark's character index.
    breaks = [at for at, char in enumerate(text) if char == "\n"]

    def line_at(index: int) -> int:
        return first_line + bisect.bisect_left(breaks, index)

    try:
        _plain_yaml_only(text, rel, line_at)
        loader = _Loader(text)  # a SafeLoader: builds plain values only
        try:  # what yaml.load does, keeping the node for the lines, in one parse
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _BadScalar as error:
        mark = error.problem_mark
        raise SourceError("S-BAD-VALUE", str(error.problem),
                          "correct the value, or quote it if it is text", rel,
                          line_at(mark.index) if mark else first_line) from None
    except yaml.reader.ReaderError as error:
        char = error.character if isinstance(error.character, int) else ord(error.character)
        raise SourceError("S-YAML", f"character U+{char:04X} is not allowed in YAML",
                          "remove it (YAML allows no control characters)", rel,
                          line_at(error.position)) from None
    except yaml.YAMLError as error:
        # Point at where the broken construct began (an unclosed bracket's line) if known.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = line_at(mark.index) if mark is not None else first_line
        problem = str(getattr(error, "problem", None) or str(error).splitlines()[0])
        context = getattr(error, "context", None)
        if context:
            problem += f" ({context})"
        raise SourceError("S-YAML", f"YAML syntax error: {problem}",
                          "check the indentation and quote values that contain ': ' or '#'",
                          rel, line) from None
    lines: Lines = {(): first_line}
    if node is not None:
        _walk(node, (), lines, line_at, rel)
    return data, lines


def _plain_yaml_only(text: str, rel: str, line_at: Callable[[int], int]) -> None:
    """Refuse tags, anchors, aliases and deep nesting, before PyYAML builds anything."""
    depth = 0
    for token in yaml.scan(text, Loader=_Loader):
        line = line_at(token.start_mark.index)
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            raise SourceError("S-YAML", "YAML anchors and aliases ('&name', '*name') are not "
                              "part of the format", "write the value out where it is needed",
                              rel, line)
        if isinstance(token, yaml.TagToken):
            raise SourceError("S-YAML", "YAML tags ('!!str', '!name') are not part of the format",
                              "remove the tag; quote the value if it is text", rel, line)
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise SourceError("S-YAML", f"YAML nested more than {MAX_DEPTH} levels deep",
                                  "see README: Writing a book", rel, line)
        elif isinstance(token, _CLOSE):
            depth -= 1


def _walk(node: yaml.Node, at: tuple[str | int, ...], lines: Lines,
          line_at: Callable[[int], int], rel: str) -> None:
    lines[at] = line_at(node.start_mark.index)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise SourceError("S-DUPLICATE-KEY", f"key '{name}' appears twice",
                                  "keep one of the two", rel, line_at(key.start_mark.index))
            seen.add(name)
            _walk(value, (*at, name), lines, line_at, rel)
            lines[(*at, name)] = line_at(key.start_mark.index)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*at, index), lines, line_at, rel)


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
        # An unknown key first: a misspelt key is also reported as a missing one.
        first = min(errors.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc = tuple(first["loc"])
        line = _line_of(loc, lines)
        key = ".".join(str(part) for part in loc) or "(top level)"
        if first["type"] == "extra_forbidden":
            known = _fields_at(model, loc[:-1], data)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
            raise SourceError("S-UNKNOWN-KEY", f"unknown key '{key}'", fix, rel, line) from None
        if first["type"] == "missing":
            raise SourceError("S-MISSING-KEY", f"required key '{key}' is missing",
                              f"add '{loc[-1]}:' (see README: Writing a book)", rel, line) from None
        raise SourceError("S-BAD-VALUE", f"'{key}': {first['msg']}",
                          "correct the value (see README: Writing a book)", rel, line) from None


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
