"""YAML as the format reads it: plain YAML only, parsed once for the values and the line of
every key, and the characters it draws.

PyYAML gives no line numbers after parsing, so the YAML is composed into nodes and each
key's line kept (by hand: no library maps a pydantic error location back to a YAML line).
Tags, anchors and aliases are refused (they let a small file expand to billions of values,
or reach PyYAML constructors that crash), and so is nesting deeper than any key of the
format.
"""

from __future__ import annotations

import bisect
import html
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from publish.errors import SourceError

Lines = dict[tuple[str | int, ...], int]

# Characters that are not drawn, and so need no glyph.
UNDRAWN = {"\n", "\r", "\t"}


def characters(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    """The characters of YAML's keys and values, not its comments, with their lines;
    a value's escapes ("\\u2603") and entities count as what they stand for."""
    line, counted = first_line, 0  # the line of `counted`, counted on as the tokens come
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if not isinstance(token, yaml.ScalarToken):
            continue
        raw = text[token.start_mark.index : token.end_mark.index]
        line += text.count("\n", counted, token.start_mark.index)
        counted = token.start_mark.index
        for number, part in enumerate(raw.split("\n"), line):
            for char in part:
                yield number, char
        for char in sorted(set(token.value + html.unescape(token.value)) - set(raw)):
            yield line, char  # written as an escape or an entity: the value's first line


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


def read_yaml(text: str, rel: str, first_line: int = 1) -> tuple[Any, Lines]:
    """Parse YAML (the file `rel` of the messages), keeping the line of every key and list
    item."""
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
