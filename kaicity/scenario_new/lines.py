"""YAML loading that remembers where every key came from.

:func:`load_yaml_file` returns :class:`LineDict` / :class:`LineList` trees: ordinary
``dict`` and ``list`` objects that also record, for each key (or list item), the file
and the 1-based line it was written on.  :func:`deep_merge` merges two such trees (the
child wins, lists are replaced) keeping the origin of every surviving key, so an error
in a key inherited through ``extends:`` can name the parent file.

This is a private helper of :mod:`kaicity.scenario`; it imports nothing from kaicity
except :mod:`kaicity.errors`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from kaicity.errors import ScenarioError

#: Where a key was written: (file, 1-based line); either may be ``None`` when unknown.
Origin = tuple[str | None, int | None]

#: Largest scenario file read (bytes); real scenarios are a few kB.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of lists and mappings accepted (real scenarios use 4 levels).
MAX_DEPTH = 64

#: Characters that may not appear in a scenario file: C0 controls except tab, newline and
#: carriage return; DEL and C1 controls; surrogates and the non-characters U+FFFE, U+FFFF.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _char_name(ch: str) -> str:
    """``U+0000 (NUL)``-style description of a character."""
    names = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}
    name = names.get(ch) or unicodedata.name(ch, "a control character")
    return f"U+{ord(ch):04X} ({name})"


class _RefusedError(yaml.MarkedYAMLError):
    """Valid YAML that a scenario may not use (aliases, deep nesting, control characters)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class LineDict(dict):
    """A ``dict`` that records the :data:`Origin` of each key in :attr:`origins`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origins: dict[Any, Origin] = {}


class LineList(list):
    """A ``list`` that records the :data:`Origin` of each item in :attr:`origins`."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.origins: list[Origin] = []


class _LineLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` building :class:`LineDict`/:class:`LineList` trees.

    It refuses aliases (``*name``, also in merge keys ``<<: *name``): a few lines of
    nested aliases expand to billions of values (the "billion laughs"), and scenarios
    share settings with ``extends:`` instead.  It also refuses nesting deeper than
    :data:`MAX_DEPTH`, which would otherwise overflow Python's recursion limit.
    """

    display_file: str | None = None
    _depth: int = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _RefusedError(f"YAML aliases (*{event.anchor}) are not allowed in a scenario; "
                                "write the values out or share them with `extends:`", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _RefusedError(f"lists and mappings nested more than {MAX_DEPTH} levels deep; "
                                    "a scenario needs only a few levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_map(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    yield data
    # Duplicate keys are silently last-one-wins in PyYAML; in a scenario they are a mistake.
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if isinstance(key, Hashable) and key in first_line:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first at line {first_line[key]})",
                    key_node.start_mark)
            if isinstance(key, Hashable):
                first_line[key] = line
    loader.flatten_mapping(node)  # resolves YAML merge keys (<<: *anchor)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value, not a list or mapping",
                key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.origins[key] = (loader.display_file, key_node.start_mark.line + 1)


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode):
    data = LineList()
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.origins.append((loader.display_file, item.start_mark.line + 1))


def _construct_str(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    bad = _BAD_CHAR.search(value)
    if bad is not None:  # e.g. "\\0" or "\\e" escapes in a double-quoted string
        raise _RefusedError(f"the text holds the control character {_char_name(bad.group())}; "
                            "remove it", node.start_mark)
    return value


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def _check_characters(text: str, display_file: str | None) -> None:
    """Refuse control characters anywhere in the source, naming the line and column."""
    bad = _BAD_CHAR.search(text)
    if bad is None:
        return
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    raise ScenarioError(f"the control character {_char_name(bad.group())} at column {column} is not "
                        "allowed in a scenario file; remove it", file=display_file, line=line)


def load_yaml_text(text: str, display_file: str | None = None) -> Any:
    """Parse one YAML document into a :class:`LineDict`/:class:`LineList` tree.

    Parameters
    ----------
    text
        The YAML source.
    display_file
        The file name recorded in every origin and used in error messages.

    Returns
    -------
    object
        The document (``None`` for an empty document).

    Raises
    ------
    ScenarioError
        On a YAML syntax error (with its line), a duplicate key, an alias, nesting deeper
        than :data:`MAX_DEPTH` or a control character.
    """
    _check_characters(text, display_file)
    loader = _LineLoader(text)
    loader.display_file = display_file
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or "invalid YAML").split())
        context = " ".join(str(exc.context).split()) if exc.context else ""
        if context and exc.context_mark is not None and mark is not None \
                and exc.context_mark.line != mark.line:
            context += f" started at line {exc.context_mark.line + 1}"
        if context and context not in problem:
            problem = f"{problem} ({context})"
        is_syntax = not isinstance(exc, yaml.constructor.ConstructorError | _RefusedError)
        what = f"YAML syntax error: {problem}" if is_syntax else problem
        raise ScenarioError(what, file=display_file,
                            line=mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {' '.join(str(exc).split())}", file=display_file) from None
    finally:
        loader.dispose()


def load_yaml_file(path: Path, display_file: str | None = None) -> Any:
    """Read and parse a YAML file; see :func:`load_yaml_text`.

    Raises
    ------
    ScenarioError
        If the file cannot be read, is larger than :data:`MAX_FILE_BYTES`, or is not
        valid UTF-8 YAML.
    """
    shown = display_file if display_file is not None else str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file=shown) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"the file is larger than {MAX_FILE_BYTES:,} bytes; a scenario is a few kB "
                            "of settings, not data", file=shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(f"not a UTF-8 text file (byte 0x{raw[exc.start]:02x} at offset {exc.start}: "
                            f"{exc.reason}); save it as UTF-8", file=shown, line=line) from None
    return load_yaml_text(text, shown)


def deep_merge(parent: Any, child: Any) -> Any:
    """Merge ``child`` over ``parent``: mappings merge recursively, anything else is replaced.

    Origins are kept: keys only in ``parent`` keep the parent's origin, keys set in
    ``child`` take the child's.  Plain dicts are accepted (their keys have unknown origin).
    """
    if not (isinstance(parent, dict) and isinstance(child, dict)):
        return child
    merged = LineDict()
    p_orig = getattr(parent, "origins", {})
    c_orig = getattr(child, "origins", {})
    for key, value in parent.items():
        merged[key] = value
        merged.origins[key] = p_orig.get(key, (None, None))
    for key, value in child.items():
        merged[key] = deep_merge(merged[key], value) if key in merged else value
        merged.origins[key] = c_orig.get(key, (None, None))
    return merged


def origins_by_path(tree: Any, default_file: str | None = None) -> dict[tuple, Origin]:
    """Flatten the origins of a tree into ``{key path tuple: (file, line)}``.

    Keys whose origin is unknown get ``(default_file, None)``.
    """
    out: dict[tuple, Origin] = {}

    def walk(node: Any, prefix: tuple) -> None:
        if isinstance(node, dict):
            origins = getattr(node, "origins", {})
            for key, value in node.items():
                out[prefix + (key,)] = origins.get(key, (default_file, None))
                walk(value, prefix + (key,))
        elif isinstance(node, list):
            origins = getattr(node, "origins", [])
            for i, value in enumerate(node):
                out[prefix + (i,)] = origins[i] if i < len(origins) else (default_file, None)
                walk(value, prefix + (i,))

    walk(tree, ())
    return out


def to_plain(tree: Any) -> Any:
    """Copy a tree into plain ``dict``/``list`` objects (dropping origins)."""
    if isinstance(tree, dict):
        return {key: to_plain(value) for key, value in tree.items()}
    if isinstance(tree, list | tuple):
        return [to_plain(value) for value in tree]
    return tree
