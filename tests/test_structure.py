"""The code's shape: stages as folders, imports flowing one way, typed values between stages.

The README's "Layout" block lists the package's parts in the order the data flows; these
tests read it and the real imports (every `import` of every module, those only for type
checking included) and fail when a module imports a later stage, when the imports make a
cycle, when the README and the tree disagree, or when a name one stage takes from another
is typed with `Any` (mypy --strict checks the rest: a value typed `Any` is not checked).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.resources
import inspect
import re
import sys
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from .conftest import PROJECT

PACKAGE = PROJECT / "publish"


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PROJECT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path) -> list[tuple[str, str]]:
    """(module, name) for every name the module imports from the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                if f"{module}.{alias.name}" in modules():  # `from publish.source import ids`
                    out.append((f"{module}.{alias.name}", "*"))
                else:
                    out.append((module, alias.name))
        elif isinstance(node, ast.Import):
            out += [(alias.name, "*") for alias in node.names]
    return [(m, n) for m, n in out if m == "publish" or m.startswith("publish.")]


def readme_layers() -> list[str]:
    """The parts of the package in the README's "Layout" block, in order: `source/`,
    `stage.py`, ... (a line may name several, comma-separated, on one layer)."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Layout\n.*?```\n(.*?)```", text, re.S)
    assert block, "README.md has no Layout block"
    layers = []
    for line in block[1].splitlines():
        entry = re.match(r"^  (\S+(?:, \S+)*)\s{2,}", line)
        if entry:
            layers.append(entry[1])
    return layers


def layer_of() -> dict[str, int]:
    """The README's layer of every part of the package (`publish.source`, `publish.cli`)."""
    out = {}
    for index, entry in enumerate(readme_layers()):
        for part in entry.split(", "):
            out["publish." + part.removesuffix("/").removesuffix(".py")] = index
    return out


def layer(module: str, layers: dict[str, int]) -> int:
    parts = module.split(".")
    for size in range(len(parts), 1, -1):
        if ".".join(parts[:size]) in layers:
            return layers[".".join(parts[:size])]
    raise AssertionError(f"{module} is in no layer of README.md's Layout block")


def test_the_readme_names_every_part_of_the_package_and_nothing_else() -> None:
    layers = layer_of()
    tops = {".".join(m.split(".")[:2]) for m in modules() if m != "publish"}
    assert tops == set(layers), "README.md's Layout block and publish/ differ"


def test_no_module_imports_a_later_stage() -> None:
    layers = layer_of()
    upward = [f"{name} (layer {layer(name, layers)}) imports {module}"
              f" (layer {layer(module, layers)})"
              for name, path in modules().items() if name != "publish"
              for module, _ in imports(name, path)
              if module != "publish" and layer(module, layers) > layer(name, layers)]
    assert upward == []


def test_the_imports_make_no_cycle() -> None:
    known = modules()
    graph = {name: {m for m, _ in imports(name, path) if m in known and m != name}
             for name, path in known.items()}
    # A package's __init__ may re-export its own modules (publish.build -> pipeline).
    for name in known:
        graph[name] = {m for m in graph[name] if not (known[name].name == "__init__.py"
                                                       and m.startswith(name + "."))}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name):], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


@functools.cache
def _untyped(package: str) -> bool:
    """Whether mypy sees the package's types as `Any`: a library with no annotations
    (no `py.typed`; pyproject.toml's `ignore_missing_imports` list) is unchecked."""
    if package in sys.stdlib_module_names or package == "builtins":
        return False
    try:
        root = importlib.resources.files(package)
    except (ModuleNotFoundError, TypeError):
        return True
    return not (root / "py.typed").is_file()


def _mentions_any(hint: object) -> bool:
    """Whether a type is, or holds, `Any`, or a type mypy takes for `Any`."""
    if hint is typing.Any:
        return True
    if inspect.isclass(hint) and _untyped(hint.__module__.partition(".")[0]):
        return True
    return any(_mentions_any(arg) for arg in typing.get_args(hint))


def _namespace(value: object) -> dict[str, object]:
    """The names `value`'s module sees, those it imports only for type checking too."""
    module = importlib.import_module(str(getattr(value, "__module__", "")))
    names = dict(vars(module))
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            exec(compile(ast.Module(node.body, []), module.__name__, "exec"), names)
    return names


def _hints(value: object) -> dict[str, object]:
    """The annotations of a function, or of a class's fields and public methods."""
    if inspect.isclass(value):
        found: dict[str, object] = {}
        if is_dataclass(value):
            hints = typing.get_type_hints(value, globalns=_namespace(value))
            found.update({f.name: hints[f.name] for f in fields(value)
                          if not f.name.startswith("_")})
        for attribute, member in vars(value).items():
            if inspect.isfunction(member) and not attribute.startswith("_"):
                found.update({f"{attribute}.{k}": v for k, v in _hints(member).items()})
        return found
    if inspect.isfunction(value):
        return dict(typing.get_type_hints(value, globalns=_namespace(value)))
    return {}


def crossings() -> list[tuple[str, str, str]]:
    """(importer, module, name) for every name one stage takes from another."""
    layers = layer_of()
    return [(name, module, imported)
            for name, path in modules().items() if name != "publish"
            for module, imported in imports(name, path)
            if imported != "*" and module != "publish"
            and layer(module, layers) != layer(name, layers)]


@pytest.mark.parametrize("stage", sorted(set(readme_layers())))
def test_no_any_crosses_a_stage_boundary(stage: str) -> None:
    layers = layer_of()
    mine = {m for m in layers if layers[m] == readme_layers().index(stage)}
    typed_any = []
    for importer, module, name in crossings():
        if not any(module == m or module.startswith(m + ".") for m in mine):
            continue
        value = getattr(importlib.import_module(module), name)
        for where, hint in _hints(value).items():
            if _mentions_any(hint):
                typed_any.append(f"{module}.{name} ({where}: {hint}), used by {importer}")
    assert typed_any == []


def test_the_writers_pass_typed_facts() -> None:
    """Every writer declares the facts it reads and makes as frozen dataclasses."""
    from publish.build.pipeline import WRITERS
    from publish.layout.interior import LayoutWriter
    from publish.stage import Facts, Writer

    writers: tuple[type[Writer], ...] = (LayoutWriter, *WRITERS)
    for writer in writers:
        for kind in (writer.makes, *writer.needs):
            assert issubclass(kind, Facts) and is_dataclass(kind), (writer, kind)
            assert getattr(kind, "__dataclass_params__").frozen, (writer, kind)  # noqa: B009
        hints = _hints(writer.write)
        assert not _mentions_any(hints["return"]), writer
