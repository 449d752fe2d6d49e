"""Reading scenario files: file checks, ``extends:`` chains, validation with line numbers.

The functions here work for any root model (:class:`~kaicity.scenario.Scenario` passes
itself), so this module sits below the schema: :func:`load_file` reads a YAML file and
the files it extends, deep-merges them (child wins, lists replaced) and validates the
result; :func:`from_mapping` does the same for plain data.  Every problem is one
:class:`~kaicity.errors.ScenarioError` naming the file and line (see
:mod:`kaicity.scenario.messages`).  The YAML itself is read by :mod:`kaicity.scenario.lines`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kaicity.errors import ScenarioError
from kaicity.scenario.fields import looks_like_network_file
from kaicity.scenario.input_paths import resolve_input_paths
from kaicity.scenario.lines import LineDict, Origin, deep_merge, load_yaml_file, origins_by_path, to_plain
from kaicity.scenario.messages import show_value, translate

M = TypeVar("M", bound=BaseModel)


def display_path(path: str | os.PathLike) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    p = Path(path)
    try:
        absolute = p.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(p)
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(absolute)


def load_file(model: type[M], path: str | os.PathLike) -> M:
    """Load, merge (``extends:``) and validate a scenario YAML file as ``model``.

    Parameters
    ----------
    model
        The root model (:class:`~kaicity.scenario.Scenario`).
    path
        The scenario file.  ``extends: other.yaml`` inside it is resolved relative to it
        and deep-merged (child wins, lists replaced); chains are allowed, cycles are not.

    Returns
    -------
    model

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, a YAML syntax error, a missing ``extends``
        target, an ``extends`` cycle or any invalid key; the message names the key, the
        file and the line.
    """
    p = Path(path)
    shown = display_path(p)
    _check_symlinks(p, None)
    if not p.is_file():
        what = "is a folder, not a scenario file" if p.is_dir() else "scenario file not found"
        raise ScenarioError(what, file=shown)
    tree, files = _load_chain(p, (), None)
    return _build(model, tree, top_file=shown, files=files)


def from_mapping(model: type[M], data: Mapping[str, Any], *, file: str | os.PathLike | None = None) -> M:
    """Validate plain data as ``model``, resolving an ``extends:`` key relative to ``file``.

    See :meth:`kaicity.scenario.Scenario.from_dict`.
    """
    shown = display_path(file) if file is not None else None
    if not isinstance(data, Mapping):
        raise ScenarioError("a scenario must be a mapping of keys (name:, city:, ...), "
                            f"got {show_value(data)}", file=shown)
    base_dir = Path(file).resolve().parent if file is not None else Path.cwd()
    tree: Any = LineDict(plain_value(data))
    tree.origins = {k: (shown, None) for k in data}
    files = [shown] if shown else []
    if "extends" in tree:
        chain = (Path(file).resolve(),) if file is not None else ()
        tree, parents = _resolve_extends(tree, base_dir, chain)
        files += parents
    return _build(model, tree, top_file=shown, files=files)


def _load_chain(path: Path, chain: tuple[Path, ...], via: Origin | None) -> tuple[Any, list[str]]:
    """Load ``path`` and, recursively, the files it extends; returns (merged tree, files)."""
    _check_symlinks(path, via)
    real = path.resolve()
    shown = display_path(path)
    via_file, via_line = via if via is not None else (None, None)
    if real in chain:
        names = " -> ".join(display_path(p) for p in (*chain[chain.index(real):], real))
        raise ScenarioError(f"cycle {names}; a scenario cannot extend itself, directly or not",
                            path="extends", file=via_file, line=via_line)
    if not real.is_file():
        if via is None:
            raise ScenarioError("scenario file not found", file=shown)
        raise ScenarioError(f"file not found: {shown}; the path is relative to the file that "
                            "extends it", path="extends", file=via_file, line=via_line)
    tree = load_yaml_file(real, shown)
    if tree is None:
        raise ScenarioError("the file is empty; a scenario needs at least `name:`", file=shown, line=1)
    if not isinstance(tree, dict):
        raise ScenarioError(f"a scenario must be a mapping of keys (name:, city:, ...), got {show_value(tree)}",
                            file=shown, line=1)
    tree, parents = _resolve_extends(tree, real.parent, (*chain, real))
    return tree, [shown, *parents]


def _check_symlinks(path: Path, via: Origin | None) -> None:
    """Refuse a path whose symbolic links loop, naming the links in order.

    Raises
    ------
    ScenarioError
        ``symbolic link loop a.yaml -> b.yaml -> a.yaml`` (blamed on the ``extends`` that
        named the path, if any).
    """
    seen: list[Path] = []
    current = Path(os.path.abspath(path))
    while current.is_symlink() and current not in seen and len(seen) < 40:
        seen.append(current)
        try:
            target = Path(os.readlink(current))
        except OSError:
            return
        current = Path(os.path.abspath(current.parent / target))
    if current in seen or len(seen) >= 40:
        chain = " -> ".join(_display_link(p) for p in (*seen, current))
    else:
        try:
            current.resolve()
            return
        except RuntimeError:  # a loop in a folder above the file (Python < 3.13)
            chain = _display_link(path) + " (a folder on its path)"
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                return
            chain = _display_link(path) + " (a folder on its path)"
    via_file, via_line = via if via is not None else (None, None)
    raise ScenarioError(f"symbolic link loop {chain}; point the link at a real scenario file",
                        path="extends" if via is not None else None,
                        file=via_file if via is not None else _display_link(path), line=via_line)


def _display_link(path: Path) -> str:
    """A link's path as shown in messages, without following it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _resolve_extends(tree: Any, base_dir: Path, chain: tuple[Path, ...]) -> tuple[Any, list[str]]:
    """Pop ``extends`` from ``tree``, load that chain and merge ``tree`` over it."""
    if "extends" not in tree:
        return tree, []
    target = tree.pop("extends")
    origin = tree.origins.pop("extends", (None, None)) if hasattr(tree, "origins") else (None, None)
    if target is None:
        return tree, []
    if not isinstance(target, str) or not target.strip():
        raise ScenarioError(f"expected a scenario file path (relative to this file), got {show_value(target)}",
                            path="extends", file=origin[0], line=origin[1])
    parent, files = _load_chain(base_dir / Path(target).expanduser(), chain, origin)
    return deep_merge(parent, tree), files


def _build(model: type[M], tree: Any, *, top_file: str | None, files: list[str]) -> M:
    """Validate a merged tree; translate pydantic errors into one ScenarioError."""
    origins = origins_by_path(tree, default_file=top_file)
    data = to_plain(tree)
    resolve_city_source(data, origins)
    resolve_input_paths(data, origins)
    try:
        scenario = model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc, data, origins, files, root=model) from None
    return with_provenance(scenario, top_file, tuple(files))


def with_provenance(scenario: M, file: str | None, files: tuple[str, ...]) -> M:
    """Record the file a scenario came from and its ``extends`` chain (``Scenario.file(s)``)."""
    scenario._file = file  # type: ignore[attr-defined]
    scenario._files = files  # type: ignore[attr-defined]
    return scenario


def resolve_city_source(data: dict, origins: Mapping[tuple, Origin]) -> None:
    """Make relative ``city.source`` and ``city.reporting_zones`` paths absolute, relative to the YAML setting them."""
    city = data.get("city")
    if not isinstance(city, dict):
        return
    source = city.get("source")
    if isinstance(source, str) and source != "synthetic" and looks_like_network_file(source):
        city["source"] = _relative_to_origin(source, origins, ("city", "source"))
    zones = city.get("reporting_zones")  # a polygon layer file: always a path
    if isinstance(zones, str) and zones.strip():
        city["reporting_zones"] = _relative_to_origin(zones, origins, ("city", "reporting_zones"))


def _relative_to_origin(value: str, origins: Mapping[tuple, Origin], key: tuple) -> str:
    """An absolute path for ``value``, relative to the YAML that set ``key`` (else the cwd)."""
    path = Path(value).expanduser()
    if not path.is_absolute():
        set_in = origins.get(key, (None, None))[0]
        base = Path(set_in).resolve().parent if set_in else Path.cwd()
        path = base / path
    return str(path.resolve())


def plain_value(value: Any) -> Any:
    """Turn numpy scalars/arrays into Python numbers/lists (without importing numpy)."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    return value
