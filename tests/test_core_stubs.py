"""The ``.pyi`` stubs of the Cython core match the compiled modules and their ``.pyx`` sources.

For every module of ``kaicity/_core``: the public names of the compiled module and of its stub
are the same; every function and method has the same parameter names and defaults as the
compiled one (``inspect.signature``, which Cython 3 provides) and as its ``def`` line in the
``.pyx`` (the only source for ``__cinit__``); and each parameter's annotation is the one its
C type calls for (``index_t[::1]`` -> ``npt.NDArray[np.int32]``, ``weight_t`` -> ``float``, ...).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import tomllib
import types
from fnmatch import fnmatch
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "kaicity" / "_core"
MODULES = sorted(p.stem for p in CORE.glob("*.pyx"))

#: element type of a typed memoryview -> numpy scalar type in the stub
ARRAY_DTYPE = {"index_t": "np.int32", "int": "np.int32", "weight_t": "np.float64", "double": "np.float64",
               "int64_t": "np.int64", "long long": "np.int64", "unsigned char": "np.uint8",
               "signed char": "np.int8", "Py_ssize_t": "np.intp"}
#: C scalar type -> Python type in the stub
SCALAR = {"index_t": "int", "int": "int", "int64_t": "int", "long long": "int", "Py_ssize_t": "int",
          "weight_t": "float", "double": "float", "bint": "bool"}


# ----------------------------------------------------------------------------- readers
def split_top(text: str) -> list[str]:
    """Split ``text`` at commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip() for p in parts + [cur] if p.strip()]


def pyx_defs(stem: str) -> dict[str, list[tuple[str, str, str | None]]]:
    """Python-visible ``def`` signatures of a ``.pyx``: qualified name -> [(name, C type, default)]."""
    src = (CORE / f"{stem}.pyx").read_text()
    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for m in re.finditer(r"^(?P<indent>[ \t]*)(?:cp)?def (?P<name>\w+)\(", src, flags=re.M):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(src[i], 0)
            i += 1
        owner = ""
        if m.group("indent"):
            owner = re.findall(r"^cdef class (\w+)", src[:m.start()], flags=re.M)[-1] + "."
        params = []
        for p in split_top(src[m.end():i - 1]):
            decl, _, default = p.partition("=")
            decl = re.sub(r"^const\s+", "", decl.strip())
            ctype, _, name = decl.rpartition(" ") if " " in decl else ("", "", decl)
            params.append((name, ctype.strip(), default.strip() or None))
        out[owner + m.group("name")] = params
    return out


def stub_tree(stem: str) -> ast.Module:
    return ast.parse((CORE / f"{stem}.pyi").read_text())


def stub_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets)
    return {n for n in names if not n.startswith("_")}


def stub_functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Qualified name -> stub function (methods as ``Class.method``; properties left out)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.decorator_list:
                    out[f"{node.name}.{item.name}"] = item
    return out


def stub_params(fn: ast.FunctionDef) -> list[tuple[str, str | None, object]]:
    """[(name, annotation source, default)] of a stub function (``inspect._empty`` without default)."""
    args = fn.args.args
    defaults = [inspect.Parameter.empty] * (len(args) - len(fn.args.defaults)) + \
        [ast.literal_eval(d) for d in fn.args.defaults]
    assert not fn.args.kwonlyargs and fn.args.vararg is None and fn.args.kwarg is None
    return [(a.arg, ast.unparse(a.annotation) if a.annotation else None, d) for a, d in zip(args, defaults,
                                                                                             strict=True)]


def expected_annotation(ctype: str) -> str:
    """The stub annotation a ``.pyx`` parameter type calls for."""
    m = re.fullmatch(r"(?P<elem>[\w ]+?)\s*\[[:, 1]+\]", ctype)
    if m:
        return f"npt.NDArray[{ARRAY_DTYPE[m.group('elem')]}]"
    return SCALAR.get(ctype, ctype)


def runtime_public(module: types.ModuleType) -> set[str]:
    return {n for n in dir(module) if not n.startswith("_") and not isinstance(getattr(module, n), types.ModuleType)}


def runtime_callable(module: types.ModuleType, qualname: str):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


# ------------------------------------------------------------------------------- tests
def test_every_compiled_module_has_a_stub():
    assert MODULES == sorted(p.stem for p in CORE.glob("*.pyi"))
    assert {"_access", "_dijkstra", "_dispatch", "_info"} <= set(MODULES)


@pytest.mark.parametrize("stem", MODULES)
def test_stub_names_are_the_public_names_of_the_compiled_module(stem):
    module = importlib.import_module(f"kaicity._core.{stem}")
    tree = stub_tree(stem)
    assert stub_names(tree) == runtime_public(module)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = {i.name for i in node.body if isinstance(i, ast.FunctionDef) and not i.name.startswith("_")}
            cls = getattr(module, node.name)
            assert members == {n for n in dir(cls) if not n.startswith("_")}, node.name


@pytest.mark.parametrize("stem", MODULES)
def test_stub_signatures_match_the_compiled_functions(stem):
    module = importlib.import_module(f"kaicity._core.{stem}")
    for qualname, fn in stub_functions(stub_tree(stem)).items():
        if qualname.endswith("__init__"):
            continue        # Cython gives no signature for __cinit__: checked against the .pyx below
        sig = inspect.signature(runtime_callable(module, qualname))
        runtime = [(p.name, p.default) for p in sig.parameters.values()]
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in sig.parameters.values())
        assert [(n, d) for n, _, d in stub_params(fn)] == runtime, qualname


@pytest.mark.parametrize("stem", MODULES)
def test_stub_signatures_and_types_match_the_pyx_def_lines(stem):
    defs = pyx_defs(stem)
    stubs = stub_functions(stub_tree(stem))
    visible = {q.replace("__cinit__", "__init__"): p for q, p in defs.items() if not q.endswith("__dealloc__")}
    assert set(stubs) == set(visible)
    for qualname, params in visible.items():
        got = stub_params(stubs[qualname])
        assert [n for n, *_ in got] == [n for n, *_ in params], qualname
        for (name, annotation, default), (_, ctype, pyx_default) in zip(got, params, strict=True):
            if name == "self":
                continue
            # a memoryview parameter accepts None; the stub says so where the code handles it
            assert annotation.removesuffix(" | None") == expected_annotation(ctype), (qualname, name, annotation)
            if pyx_default == "None":
                assert annotation.endswith(" | None"), (qualname, name, annotation)
            if pyx_default is not None:
                assert default == ast.literal_eval(pyx_default.replace("_", "")), (qualname, name)
            else:
                assert default is inspect.Parameter.empty, (qualname, name)


@pytest.mark.parametrize("stem", MODULES)
def test_every_stub_item_has_a_one_line_docstring(stem):
    tree = stub_tree(stem)
    assert ast.get_docstring(tree)
    for qualname, fn in stub_functions(tree).items():
        doc = ast.get_docstring(fn)
        assert doc and "\n" not in doc.strip(), qualname


def test_stubs_and_py_typed_ship_in_the_package():
    project = tomllib.loads((CORE.parents[1] / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["kaicity"]
    shipped = [p.relative_to(CORE.parent).as_posix() for p in (*CORE.glob("*.pyi"), CORE.parent / "py.typed")]
    assert (CORE.parent / "py.typed").is_file()
    for rel in shipped:
        assert any(fnmatch(rel, pat) for pat in patterns), rel
