"""Every notebook in notebooks/ runs top to bottom with the current code and reads well in Jupyter.

Executed with ``MPLBACKEND=Agg`` in the kernel's environment (as on a headless test runner):
the notebooks must still show every figure inline, so they cannot rely on the default backend
and must never force one themselves.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: Source that creates a matplotlib figure (pyplot, pandas plotting or the kaicity helpers).
MAKES_FIGURE = re.compile(r"plt\.(subplots|figure)\(|\.plot(\.\w+)?\(|plot_channel_shares\(")
#: Text of an object's default repr, e.g. ``<kaicity.model.KaiCityModel at 0x7f...>``.
RAW_REPR = re.compile(r" at 0x[0-9a-fA-F]+|<matplotlib\.|\[<matplotlib|^Text\(|<Axes[:>]")


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _texts(output) -> list[str]:
    """The plain-text parts of one output (stream text and text/plain data)."""
    texts = [output.get("text", "")]
    texts.append(output.get("data", {}).get("text/plain", ""))
    return [t if isinstance(t, str) else "".join(t) for t in texts if t]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_source_is_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(_code_cells(nb)):
        assert "matplotlib.use(" not in cell.source, f"{path.name} cell {i} forces a matplotlib backend"
        assert not cell.get("outputs") and cell.get("execution_count") is None, \
            f"{path.name} cell {i} is committed with outputs; clear them (the tests execute the notebooks)"
    if any(MAKES_FIGURE.search(c.source) for c in _code_cells(nb)):
        assert "%matplotlib inline" in _code_cells(nb)[0].source, f"{path.name}: first cell needs %matplotlib inline"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_with_inline_figures(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits it; %matplotlib inline must win
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    cells = _code_cells(nb)
    assert any(c.get("outputs") for c in cells)
    figures = 0
    for i, cell in enumerate(cells):
        where = f"{path.name} cell {i}"
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.get("output_type") == "error"], where
        assert not [o for o in outputs if o.get("name") == "stderr"], f"{where} writes to stderr"
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        for o in outputs:
            for text in _texts(o):
                if text.startswith("<Figure size") and "image/png" in o.get("data", {}):
                    continue  # the plain-text fallback of an inline figure
                assert not RAW_REPR.search(text), f"{where} shows a raw object repr: {text[:80]!r}"
                assert not text.startswith("<Figure size"), f"{where} shows a figure that is not an inline image"
        if MAKES_FIGURE.search(cell.source):
            assert images, f"{where} makes a figure but shows no inline image"
        figures += len(images)
    assert figures >= 1, f"{path.name} shows no figure"


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2
