"""Korean text in figures: NanumGothic as a fallback font, without changing matplotlib's global style.

The font file comes from the PyPI package ``koreanize-matplotlib`` (a dependency of kaicity),
which ships NanumGothic (SIL Open Font License 1.1).  That package sets matplotlib's global
``rcParams`` when imported, so it is never imported: its folder is found with
:func:`importlib.util.find_spec` and the font file registered with matplotlib's font manager.
:func:`korean_text` then adds NanumGothic after the current fonts for the figures drawn inside it:
Latin text looks as before, Hangul falls back to NanumGothic.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib import font_manager

#: The package whose NanumGothic.ttf is used, and the file.
FONT_PACKAGE, FONT_FILE = "koreanize_matplotlib", "fonts/NanumGothic.ttf"


def korean_font_path() -> Path | None:
    """Path of NanumGothic.ttf shipped by ``koreanize-matplotlib`` (not imported), or None when absent."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / FONT_FILE
    return path if path.is_file() else None


@functools.cache
def korean_font_name() -> str | None:
    """Register NanumGothic with matplotlib's font manager (once) and return its family name (None: no font)."""
    path = korean_font_path()
    if path is None:
        return None
    for face in sorted(path.parent.glob("NanumGothic*.ttf")):  # regular, bold, ...: bold titles stay bold
        font_manager.fontManager.addfont(str(face))
    return font_manager.FontProperties(fname=str(path)).get_name()


@contextmanager
def korean_text() -> Iterator[None]:
    """Figures made and saved inside render Hangul (NanumGothic after the current font families)."""
    name = korean_font_name()
    if name is None:
        yield
        return
    families = list(matplotlib.rcParams["font.family"])
    with matplotlib.rc_context({"font.family": [*families, name] if name not in families else families}):
        yield
