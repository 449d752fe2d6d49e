"""The scenario key reference of ``docs/scenarios.md``, generated from the schema's field metadata.

:func:`schema_reference` gives one row per dotted key (meaning, unit, default, allowed
values, source); :func:`reference_markdown` renders the rows as the Markdown tables that
``docs/make_scenarios_md.py`` writes between the generated-block markers.
"""

from __future__ import annotations

from typing import Any, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kaicity.scenario.fields import KeyedMap, num_text
from kaicity.scenario.messages import _strip_annotated, allowed_text, list_item_annotation, model_class
from kaicity.scenario.schema import Scenario


def _default_text(info: FieldInfo) -> str:
    """A field's default as written in the docs (``required`` when it has none)."""
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.is_required():
        return "required"
    else:
        value = info.default
    return _value_text(value)


def _value_text(value: Any) -> str:
    """A value as written in the docs' default column."""
    if isinstance(value, KeyedMap):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.as_dict().items())
    if isinstance(value, BaseModel):
        return "; ".join(f"{k} {_value_text(v)}" for k, v in value.model_dump().items())
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if len(value) > 6 and all(isinstance(v, float) for v in value):
            return "[" + ", ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in value) + "]"
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.items())
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    return num_text(value)


def schema_reference() -> list[dict[str, str]]:
    """One row per scenario key, from the models' field metadata.

    Returns
    -------
    list of dict
        Keys ``section``, ``key`` (dotted path; ``<category>``, ``<group>`` or ``<zone>``
        stands for each key of a per-category/group/zone mapping), ``description``,
        ``unit``, ``default``, ``allowed`` and ``source``.
    """
    rows: list[dict[str, str]] = [{
        "section": "", "key": "extends", "description": "Scenario file this one extends (relative to this "
        "file); deep-merged, this file wins, lists are replaced; chains allowed, cycles rejected",
        "unit": "", "default": "null", "allowed": "a file path or null", "source": "-"}]

    def add(model: type[BaseModel], prefix: str, section: str) -> None:
        for name, info in model.model_fields.items():
            key = f"{prefix}{name}"
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            sub = model_class(info.annotation)
            item = model_class(list_item_annotation(info.annotation)) if sub is None else None
            if item is not None and get_origin(_strip_annotated(info.annotation)) is list:  # list of records
                rows.append({"section": section, "key": key, "description": info.description or "",
                             "unit": "", "default": _default_text(info), "allowed": "a list", "source": "-"})
                add(item, key + ".<i>.", section)
                continue
            if sub is not None and not issubclass(sub, KeyedMap):
                add(sub, key + ".", section or name)
                continue
            row = {"section": section, "key": key, "description": info.description or "",
                   "unit": str(extra.get("unit", "")), "default": _default_text(info),
                   "allowed": allowed_text(info, info.annotation),
                   "source": str(extra.get("source", "assumption"))}
            if sub is not None:  # per-category / group / zone mapping
                leaf = next(iter(sub.model_fields.values()))
                leaf_model = model_class(leaf.annotation)
                if leaf_model is not None and issubclass(leaf_model, KeyedMap):  # mapping of mappings
                    for k in sub.KEYS:
                        inner = sub.model_fields[k]
                        inner_leaf = next(iter(leaf_model.model_fields.values()))
                        rows.append({**row, "key": f"{key}.{k}.<{leaf_model.KIND}>",
                                     "default": _default_text(inner),
                                     "allowed": allowed_text(inner_leaf, inner_leaf.annotation)})
                    continue
                if leaf_model is not None:  # mapping of small records (literacy)
                    for fname, finfo in leaf_model.model_fields.items():
                        defaults = ", ".join(
                            f"{k} {num_text(getattr(sub.model_fields[k].default_factory(), fname))}"
                            for k in sub.KEYS)
                        rows.append({**row, "key": f"{key}.<{sub.KIND}>.{fname}", "default": defaults,
                                     "allowed": allowed_text(finfo, finfo.annotation)})
                    continue
                row["key"] = f"{key}.<{sub.KIND}>"
                row["allowed"] = str(extra.get("allowed") or allowed_text(leaf, leaf.annotation))
                if info.default is None and info.default_factory is None:
                    row["allowed"] += " (the whole mapping may be null)"
            rows.append(row)

    add(Scenario, "", "")
    return rows


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def reference_markdown() -> str:
    """The key reference of ``docs/scenarios.md``: one Markdown table per top-level section.

    Rows come from :func:`schema_reference`; each section is headed by the first line of
    its model's docstring.
    """
    out: list[str] = []
    header = "| key | meaning | unit | default | allowed | source |\n| --- | --- | --- | --- | --- | --- |"
    sections: dict[str, list[dict[str, str]]] = {}
    for row in schema_reference():
        sections.setdefault(row["section"], []).append(row)
    for section, items in sections.items():
        if section:
            model = Scenario.model_fields[section].annotation
            doc = (model.__doc__ or "").strip().splitlines()[0]
            out.append(f"### `{section}`\n\n{doc}\n")
        else:
            out.append("### Top level\n")
        out.append(header)
        for r in items:
            cells = (f"`{r['key']}`", r["description"], r["unit"], r["default"], r["allowed"], r["source"])
            out.append("| " + " | ".join(_cell(x) for x in cells) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
