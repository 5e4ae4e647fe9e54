"""Reading YAML so that every value remembers its file and line, for error messages staff can act on."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml


class LineDict(dict):
    """A YAML mapping that knows the line of each of its keys (1-based).

    ``line`` is the line of the key that owns this mapping (``overuse:``), so that a missing
    field is reported where its block starts.
    """

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so `yes:` and `no:` stay words."""


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        value = loader.construct_object(value_node, deep=True)
        if isinstance(value, LineDict):
            value.line = line
        mapping[key] = value
        mapping.key_lines[key] = line
    return mapping


def _duplicate_keys(node: yaml.Node, path: str, found: list[tuple[str, int, int]]) -> None:
    """Keys that appear twice in one mapping, with their full path (PyYAML keeps the last silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            where = f"{path}.{key}" if path else key
            if key in seen:
                found.append((where, line, seen[key]))
            seen[key] = line
            _duplicate_keys(value_node, where, found)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _duplicate_keys(child, f"{path}[{index}]", found)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """Parse one file; syntax errors and duplicate keys become Problems, not exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        problems.append(Problem(path.name, 0, "(file)", f"cannot read: {error.strerror or error}"))
        return None
    loader = _LineLoader(text)
    duplicates: list[tuple[str, int, int]] = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _duplicate_keys(node, "", duplicates)
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        what = getattr(error, "problem", None) or str(error)
        problems.append(Problem(path.name, line, "(syntax)", f"not valid YAML: {what}"))
        return None
    finally:
        loader.dispose()
    for key, line, first in duplicates:
        problems.append(Problem(path.name, line, key, f"appears twice (first on line {first})"))
    return data


def did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def line_of(container: Any, key: Any = None) -> int:
    if key is not None and isinstance(container, LineDict):
        return container.key_lines.get(key, container.line)
    if isinstance(key, int) and isinstance(container, LineList) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 0)
