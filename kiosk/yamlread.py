"""The one YAML reader, for the settings (kiosk.yaml) and the knowledge base (intents/).

Every value remembers its file and line, for error messages staff can act on, and a file is
checked before it is trusted: staff edit these files by hand, and one bad edit must give a
``file:line`` problem, never a traceback, a frozen start or a full memory. The limits, each far
above what the shipped files need (the largest, findings.yaml, is 24 KB, 7 levels deep, with
no aliases):

- ``MAX_FILE_BYTES``: 1 MB per file; larger is refused before it is read.
- ``MAX_DEPTH``: 32 levels of nesting.
- ``MAX_ALIASES``: 100 aliases (``*name``) per file, and ``MAX_NODES``: 200 000 values once every
  alias is expanded, so an "alias bomb" (each level repeating the one before) is refused at once
  instead of growing exponentially. An alias that refers to the block it sits in is refused.
- Keys must be plain words or numbers (not lists or mappings); text must be UTF-8.

Booleans are YAML 1.2's: only ``true`` and ``false``, so ``yes:`` and ``no:`` stay words in both
kinds of file (``mute: yes`` is reported, with a hint, rather than read as true).

PyYAML only (its C parser where the wheel has it): the engine uses it and must stay free of UI and
audio imports.
"""

from __future__ import annotations

import difflib
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 200_000


class LineDict(dict):
    """A YAML mapping that knows the line of each of its keys (1-based).

    ``line`` is the line of the key that owns this mapping (``overuse:``), so that a missing
    field is reported where its block starts.
    """

    line: int = 0
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}  # also for an empty stand-in made by a reader of a missing block


class LineList(list):
    line: int = 0
    item_lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines = []


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}: {self.message}"


class LimitError(yaml.YAMLError):
    """A file over one of the limits above; ``line`` is where it went over (1-based, 0: unknown)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# libyaml (the C parser bundled in PyYAML's wheels) reads the knowledge base about ten times as fast
# as PyYAML's pure-Python parser (0.03 s instead of 0.32 s for intents/, a third of the kiosk's
# start); the pure-Python one stands in where a PyYAML was built without it. Both give the same
# events, nodes and line marks.
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Parser):  # type: ignore[valid-type,misc]  # (a base chosen at import)
    """The safe loader with YAML 1.2 booleans (only true/false, so `yes:` and `no:` stay words)."""


def _check_limits(text: str) -> None:
    """Refuse a file nested too deep or with too many aliases before it is composed: the event
    stream is flat (the parser keeps its own stack), while composing it recurses once a level."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_Parser):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(line, f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise LimitError(line, f"more than {MAX_ALIASES} aliases (*name); write the values out")


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


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_shape(root: yaml.Node) -> None:
    """Refuse cycles, too many values once aliases are expanded, and keys that are not scalars.

    Aliases make the node graph a DAG whose expansion can be exponential, so sizes are counted
    once per node (memoised), iteratively (no recursion limit to hit).
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            if size[key] > MAX_NODES:
                raise LimitError(node.start_mark.line + 1, f"more than {MAX_NODES} values once its aliases "
                                 "are expanded (an alias bomb?); write the values out")
            continue
        if key in size:
            continue
        if key in on_path:
            raise LimitError(node.start_mark.line + 1, "an alias refers to the block it is in (a loop)")
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                    raise LimitError(key_node.start_mark.line + 1, f"a key must be a word or a number, not a {kind}")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _decode(data: bytes) -> tuple[str | None, int, str]:
    """(text, 0, "") or (None, line, problem) for bytes that are not UTF-8."""
    try:
        return data.decode("utf-8-sig"), 0, ""
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, line, f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save it as UTF-8"


def _error_line(error: Exception, text: str) -> int:
    if isinstance(error, LimitError):
        return error.line
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(error, "position", None)  # a ReaderError: a character YAML does not allow
    if not isinstance(position, int):
        return 0
    if _Parser is not yaml.SafeLoader:  # libyaml counts bytes, PyYAML characters
        return text.encode()[:position].count(b"\n") + 1
    return text[:position].count("\n") + 1


def read_yaml(path: Path, problems: list[Problem], name: str | None = None) -> Any:
    """Parse one file; every problem (syntax, limits, duplicate keys) becomes a Problem, never an
    exception. ``name`` is how problems name the file (default: its file name)."""
    label = name or path.name
    text, problem_line, problem = _read_text(path)
    if text is None:
        problems.append(Problem(label, problem_line, "(file)", problem))
        return None
    duplicates: list[tuple[str, int, int]] = []
    loader = None
    try:
        _check_limits(text)  # also checks every character: a control character raises here
        loader = _LineLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        _check_shape(node)
        _duplicate_keys(node, "", duplicates)
        data = loader.construct_document(node)
    except LimitError as error:
        problems.append(Problem(label, error.line, "(file)", error.message))
        return None
    except yaml.YAMLError as error:
        what = getattr(error, "problem", None) or str(error).splitlines()[0]
        problems.append(Problem(label, _error_line(error, text), "(syntax)", f"not valid YAML: {what}"))
        return None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # e.g. a date like 2026-13-45
        line = _error_line(error, text)
        problems.append(Problem(label, line, "(syntax)", f"a value cannot be read ({type(error).__name__})"))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for key, line, first in duplicates:
        problems.append(Problem(label, line, key, f"appears twice (first on line {first})"))
    return data


def _read_text(path: Path) -> tuple[str | None, int, str]:
    """(text, 0, "") or (None, line, problem): the size is checked before anything is read."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            return None, 0, "is not a regular file"
        size = info.st_size
        if size > MAX_FILE_BYTES:
            return None, 0, f"is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} (is it the right file?)"
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, 0, f"cannot read: {error.strerror or error}"
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        return None, 0, f"is over the limit of {MAX_FILE_BYTES:,} bytes"
    return _decode(data)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def line_of(container: Any, key: Any = None) -> int:
    if key is not None and isinstance(container, LineDict):
        return container.key_lines.get(key, container.line)
    if isinstance(key, int) and isinstance(container, LineList) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", 0)
