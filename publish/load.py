"""Source files -> validated book model.

Reads `book.yaml` and the text files it lists, and turns every problem into a
`SourceError` naming the file, the line and the fix. PyYAML gives no line numbers
after parsing, so the YAML is composed into nodes first and each key's line kept
(by hand: no library maps a pydantic error location back to a YAML line).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import SourceError
from .model import Book, Meta, Part, PartHeader

Lines = dict[tuple[str | int, ...], int]
M = TypeVar("M", bound=BaseModel)


def load_book(root: Path) -> Book:
    """Load and validate the book in `root` (the folder holding book.yaml)."""
    root = root.resolve()
    meta_path = root / "book.yaml"
    data, lines = _read_yaml(_read_text(meta_path, root), meta_path, root)
    meta = _validate(Meta, data, lines, meta_path, root)
    parts: list[Part] = []
    ids: dict[str, str] = {}  # id -> the file that uses it
    for index, name in enumerate(meta.text):
        where = lines.get(("text", index), 1)
        path = _inside(root, name, meta_path, where)
        if name in meta.text[:index]:
            raise SourceError(
                "S-TEXT-TWICE", f"text file '{name}' is listed twice in `text`",
                "list each text file once", _rel(meta_path, root), where,
            )
        part = _load_part(path, root, index + 1, meta_path, where)
        if part.id in ids:
            raise SourceError(
                "S-DUPLICATE-ID", f"id '{part.id}' is already used by {ids[part.id]}",
                "give each text file its own `id`", part.source, 2,
            )
        ids[part.id] = part.source
        parts.append(part)
    return Book(meta=meta, parts=parts, root=str(root))


def _load_part(path: Path, root: Path, number: int, listed_in: Path, listed_at: int) -> Part:
    rel = _rel(path, root)
    if not path.is_file():
        raise SourceError(
            "S-TEXT-MISSING", f"text file '{rel}' does not exist",
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
    body = "\n".join(lines[end + 1 :])
    if not body.strip():
        raise SourceError(
            "S-TEXT-EMPTY", "the part has a header but no text",
            "write the part's text, or an `::: editorial` note saying why it has none",
            rel, end + 2,
        )
    return Part(header=header, body=body, body_line=end + 2, source=rel, number=number)


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


def _read_yaml(text: str, path: Path, root: Path, first_line: int = 1) -> tuple[Any, Lines]:
    """Parse YAML, keeping the line of every key and list item."""
    rel = _rel(path, root)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        # Point at where the broken construct began (an unclosed bracket's line) if known.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = str(getattr(error, "problem", None) or str(error).splitlines()[0])
        context = getattr(error, "context", None)
        if context:
            problem += f" ({context})"
        raise SourceError("S-YAML", f"YAML syntax error: {problem}",
                          "check the indentation and quote values that contain ': ' or '#'",
                          rel, line) from None
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines, first_line, rel)
    return data, lines


def _walk(node: yaml.Node, at: tuple[str | int, ...], lines: Lines, first: int, rel: str) -> None:
    lines[at] = first + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                raise SourceError("S-DUPLICATE-KEY", f"key '{name}' appears twice",
                                  "keep one of the two", rel, first + key.start_mark.line)
            seen.add(name)
            lines[(*at, name)] = first + key.start_mark.line
            _walk(value, (*at, name), lines, first, rel)
            lines[(*at, name)] = first + key.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*at, index), lines, first, rel)


def _validate(model: type[M], data: Any, lines: Lines, path: Path, root: Path) -> M:
    rel = _rel(path, root)
    if not isinstance(data, dict):
        raise SourceError("S-YAML", "expected a mapping of keys to values",
                          "see README: Writing a book", rel, 1)
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


def _inside(root: Path, name: str, listed_in: Path, line: int) -> Path:
    """Resolve a path named in the source, refusing any that leaves the source folder."""
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise SourceError("S-OUTSIDE", f"'{name}' points outside the source folder",
                          "keep every file of the book inside its source folder",
                          _rel(listed_in, root), line)
    return path


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.parent))
    except ValueError:
        return str(path)
