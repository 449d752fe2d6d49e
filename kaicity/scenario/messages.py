"""One-line messages for scenario mistakes: pydantic errors, unknown keys, allowed values.

:func:`translate` turns a pydantic ``ValidationError`` into one
:class:`~kaicity.errors.ScenarioError` for the first problem by file and line, e.g.::

    scenarios/x.yaml:12: population.residents: expected an integer in [1, 5000000], got the text 'many'

with "did you mean" suggestions for misspelt keys (:func:`unknown_key_message`).  The
annotation helpers (:func:`model_class`, :func:`field_at`, :func:`allowed_text`) are shared
with the override parser and the docs reference; they take the root model as an argument,
so this module sits below the schema.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from kaicity.categories import ZONES
from kaicity.errors import ScenarioError
from kaicity.scenario.fields import KeyedMap, KeyProblem, num_text
from kaicity.scenario.lines import Origin


def _strip_annotated(ann: Any) -> Any:
    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    return ann


def _union_args(ann: Any) -> tuple[Any, ...]:
    ann = _strip_annotated(ann)
    if get_origin(ann) in (Union, type(int | None)):
        return tuple(_strip_annotated(a) for a in get_args(ann))
    return (ann,)


def model_class(ann: Any) -> type[BaseModel] | None:
    """The BaseModel class inside ``ann`` (unwrapping Annotated and Optional), if any."""
    for arg in _union_args(ann):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def list_item_annotation(ann: Any) -> Any:
    """The item annotation of the list inside ``ann``, if any."""
    for arg in _union_args(ann):
        if get_origin(arg) is list:
            return get_args(arg)[0]
    return None


def field_at(root: type[BaseModel], path: tuple) -> tuple[FieldInfo | None, Any]:
    """The field info and annotation at a cleaned key path of ``root`` (``(None, None)`` if unknown)."""
    ann: Any = root
    info: FieldInfo | None = None
    for part in path:
        model = model_class(ann)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            info = model.model_fields[part]
            ann = info.annotation
        elif isinstance(part, int) and list_item_annotation(ann) is not None:
            ann = list_item_annotation(ann)
            info = None
        else:
            return None, None
    return info, ann


def _constraints(info: FieldInfo | None, ann: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    metas = list(info.metadata) if info is not None else []
    a = ann
    while get_origin(a) is Annotated:
        metas += [m for m in get_args(a)[1:]]
        a = get_args(a)[0]
    for meta in metas:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if getattr(meta, name, None) is not None:
                out[name] = getattr(meta, name)
        if isinstance(meta, FieldInfo):
            out.update(_constraints(meta, None))
    return out


def _range_text(c: Mapping[str, Any]) -> str:
    lo = ("[", c["ge"]) if "ge" in c else ("(", c["gt"]) if "gt" in c else None
    hi = ("]", c["le"]) if "le" in c else (")", c["lt"]) if "lt" in c else None
    if lo and hi:
        return f"in {lo[0]}{num_text(lo[1])}, {num_text(hi[1])}{hi[0]}"
    if lo:
        return f"{'>=' if lo[0] == '[' else '>'} {num_text(lo[1])}"
    if hi:
        return f"{'<=' if hi[0] == ']' else '<'} {num_text(hi[1])}"
    return ""


def _type_text(ann: Any) -> tuple[str, bool]:
    """(type description, nullable) of an annotation."""
    args = [a for a in _union_args(ann) if a is not type(None)]
    nullable = len(args) < len(_union_args(ann))
    base = args[0] if args else ann
    if get_origin(base) is Literal:
        text = "one of " + ", ".join(f"'{v}'" for v in get_args(base))
    elif base is bool:
        text = "true or false"
    elif base is int:
        text = "an integer"
    elif base is float:
        text = "a number"
    elif base is str:
        text = "text"
    elif get_origin(base) is list:
        text = "a list"
    elif isinstance(base, type) and issubclass(base, KeyedMap):
        text = f"a mapping of {base.KIND} to values"
    elif isinstance(base, type) and issubclass(base, BaseModel):
        text = "a mapping"
    else:
        text = "a value"
    return text, nullable


def allowed_text(info: FieldInfo | None, ann: Any) -> str:
    """'an integer >= 1', 'a number in [0, 1]', "one of 'a', 'b'"... for a field."""
    extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
    if extra.get("allowed"):
        return str(extra["allowed"])
    text, nullable = _type_text(ann)
    rng = _range_text(_constraints(info, ann))
    return f"{text} {rng}".strip() + (", or null" if nullable else "")


# --------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------
def show_value(value: Any) -> str:
    """Describe an input value in a few words, on one line."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "the text '" + " ".join(text.split()) + "'"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    if isinstance(value, int | float):
        return num_text(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    return f"a {type(value).__name__}"


def _hint(value: Any, expected_number: bool) -> str:
    if expected_number and isinstance(value, float) and value.is_integer():
        return f" (write {int(value)} without a decimal point)"
    if not (expected_number and isinstance(value, str)):
        return ""
    try:
        float(value)
    except ValueError:
        return ""
    if "e" in value.lower() and "." not in value:
        return f" (YAML reads {value} as text: write it with a decimal point, e.g. 1.0e3)"
    return " (remove the quotes)"


def unknown_key_message(key: Any, model: type[BaseModel] | None) -> str:
    if model is not None and issubclass(model, KeyedMap):
        valid = list(model.KEYS)
        plural = {"category": "categories"}.get(model.KIND, model.KIND + "s")
        what = f"unknown {model.KIND} '{key}'; valid {plural}: {', '.join(valid)}"
    else:
        valid = list(model.model_fields) if model is not None else []
        what = f"unknown key '{key}'"
    close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
    if close:
        return f"{what}; did you mean '{close[0]}'?"
    if model is not None and not issubclass(model, KeyedMap):
        return f"{what}; allowed keys here: {', '.join(valid)}"
    return what


def _clean_loc(loc: tuple, data: Any, keep_last: bool) -> tuple:
    """Drop pydantic's union tags etc. from ``loc``: keep only steps that exist in ``data``."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif keep_last and i == len(loc) - 1:
            out.append(part)
        # else: a union tag / function name, not a key of the input
    return tuple(out)


def _error_message(err: Mapping[str, Any], path: tuple, root: type[BaseModel]) -> tuple[tuple, str]:
    """(final key path, one-line message) for one pydantic error dict."""
    etype = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if etype == "extra_forbidden":
        _, parent_ann = field_at(root, path[:-1])
        return path, unknown_key_message(path[-1], model_class(parent_ann))
    if etype == "value_error" and isinstance(ctx.get("error"), KeyProblem):
        problem = ctx["error"]
        extra = tuple(int(p) if p.isdigit() else p for p in problem.key.split("."))
        return path + extra, str(problem)
    if etype in ("value_error", "assertion_error"):
        return path, str(ctx.get("error", err["msg"]))
    info, ann = field_at(root, path)
    allowed = allowed_text(info, ann) if ann is not None else ""
    if etype == "missing":
        return path, "required key is missing" + (f"; add it ({allowed})" if allowed else "")
    if etype == "literal_error":
        raw = str(ctx.get("expected", "")).replace(" or ", ",").split(",")
        expected = [e.strip().strip("'") for e in raw if e.strip()]
        if set(expected) in (set(ZONES), {*ZONES, "transit_poor"}):  # transit.drt.zones also takes transit_poor
            msg = (f"unknown zone {show_value(value).removeprefix('the text ')}; valid zones: "
                   f"{', '.join(expected)}")
        else:
            msg = f"got {show_value(value)}; allowed: " + ", ".join(f"'{e}'" for e in expected)
        close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
        return path, msg + (f"; did you mean '{close[0]}'?" if close else "")
    if etype in ("too_short", "too_long"):
        c = _constraints(info, ann)
        lo, hi = c.get("min_length", ctx.get("min_length")), c.get("max_length", ctx.get("max_length"))
        actual = ctx.get("actual_length", len(value) if isinstance(value, list | tuple) else "?")
        if lo is not None and lo == hi:
            want = f"exactly {lo} items"
        elif etype == "too_short":
            want = f"at least {lo} items"
        else:
            want = f"at most {hi} items"
        return path, f"expected {want}, got {actual}" + (f" ({allowed})" if allowed else "")
    if etype in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return path, f"must be {allowed or err['msg'].lower()}, got {show_value(value)}"
    expected_number = etype.startswith(("int_", "float_")) or "number" in allowed or "integer" in allowed
    if etype.endswith(("_type", "_parsing")) or etype in ("int_from_float", "model_attributes_type"):
        want = allowed or etype.replace("_type", "")
        return path, f"expected {want}, got {show_value(value)}{_hint(value, expected_number)}"
    return path, f"{err['msg']} (got {show_value(value)})"


def translate(exc: ValidationError, data: Any, origins: Mapping[tuple, Origin], files: list[str], *,
              root: type[BaseModel], suffix: str = "") -> ScenarioError:
    """Turn a pydantic ValidationError into one ScenarioError for the first error by line.

    Parameters
    ----------
    exc
        The error of ``root.model_validate(data)``.
    data
        The plain data that was validated.
    origins
        ``{key path: (file, line)}`` of the written keys (empty for overrides).
    files
        The files of the ``extends`` chain, child first: the first error is the earliest
        line of the earliest file.
    root
        The root model (:class:`~kaicity.scenario.Scenario`).
    suffix
        Appended to the message, e.g. ``" (from overrides)"``.
    """
    problems = []
    for err in exc.errors(include_url=False):
        path = _clean_loc(tuple(err["loc"]), data, keep_last=err["type"] in ("missing", "extra_forbidden"))
        path, message = _error_message(err, path, root)
        file, line = None, None
        for cut in range(len(path), -1, -1):  # nearest written key: itself or an ancestor
            if path[:cut] in origins:
                file, line = origins[path[:cut]]
                break
        if file is None and files:
            file = files[0]
        rank = files.index(file) if file in files else len(files)
        problems.append(((rank, line if line is not None else 10**9), path, file, line, message))
    problems.sort(key=lambda p: p[0])
    _, path, file, line, message = problems[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    dotted = ".".join(str(p) for p in path) or None
    err = ScenarioError(" ".join(f"{message}{suffix}{more}".split()), path=dotted, file=file, line=line)
    err.n_errors = len(problems)  # type: ignore[attr-defined]
    return err


