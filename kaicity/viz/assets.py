"""Offline assets for the browser visualization: ``python -m kaicity.viz.assets [--quiet]``.

Solara loads its JavaScript and CSS through its own ``/_solara/cdn/`` proxy, which reads
``<prefix>/share/solara/cdn/`` before asking the internet.  The ``solara-assets``
package fills that folder, so the page renders on a machine without internet (many
public-sector networks are closed).  Altair charts ask for ``vega@5``, ``vega-lite@5``
and ``vega-embed@6`` by major version only: this module links those names to the
bundled releases.  It is idempotent and fast (a few ``stat`` calls when all is in place);
the Makefile runs it after installing.

This module imports nothing heavy (no Solara, no Mesa) so it stays quick to run.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

#: Major-version aliases that Altair/vega-embed request, linked to a bundled release.
MAJOR_ALIASES: dict[str, str] = {"vega@5": "vega", "vega-lite@5": "vega-lite", "vega-embed@6": "vega-embed"}

#: Bundles the Solara page cannot render without.
REQUIRED: tuple[str, ...] = ("requirejs@", "@widgetti/solara-vuetify-app@", "@widgetti/vue-grid-layout@")

#: Environment settings of every visualization server (no telemetry).
SERVER_ENV: dict[str, str] = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "MPLBACKEND": "Agg"}


def cdn_dir(prefix: str | os.PathLike | None = None) -> Path:
    """Folder Solara's CDN proxy serves from (``<prefix>/share/solara/cdn``).

    Parameters
    ----------
    prefix
        Installation prefix (default: ``sys.prefix``, the virtual environment).
    """
    return Path(prefix if prefix is not None else sys.prefix) / "share" / "solara" / "cdn"


def _version_key(name: str) -> tuple[int, ...]:
    """Numeric sort key of ``pkg@1.2.3`` (non-numeric parts count as 0)."""
    version = name.rsplit("@", 1)[-1]
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", version))


def _bundled(folder: Path, package: str, major: str) -> Path | None:
    """The newest real (non-link) ``package@major.x.y`` folder in ``folder``."""
    found = [p for p in folder.glob(f"{package}@{major}.*") if p.is_dir() and not p.is_symlink()]
    return max(found, key=lambda p: _version_key(p.name)) if found else None


def missing_bundles(folder: Path) -> list[str]:
    """Required bundles absent from ``folder`` (empty when the page can render offline)."""
    out = []
    for prefix in REQUIRED:
        scope, _, name = prefix.rpartition("/")
        parent = folder / scope if scope else folder
        if not parent.is_dir() or not any(p.name.startswith(name) for p in parent.iterdir()):
            out.append(prefix.rstrip("@"))
    return out


def ensure_offline_assets(prefix: str | os.PathLike | None = None, quiet: bool = False) -> list[str]:
    """Check the bundled Solara assets and link the Altair major-version names.

    Parameters
    ----------
    prefix
        Installation prefix (default: ``sys.prefix``).
    quiet
        Print nothing when all is well.

    Returns
    -------
    list of str
        Problems found (empty when the page can render offline).
    """
    folder = cdn_dir(prefix)
    problems: list[str] = []
    if not folder.is_dir():
        problems.append(f"{folder} does not exist: install the 'solara-assets' package "
                        "(pip install solara-assets) so the page renders without internet")
    else:
        missing = missing_bundles(folder)
        if missing:
            problems.append(f"{folder} lacks {', '.join(missing)}: reinstall 'solara-assets'")
        for alias, package in MAJOR_ALIASES.items():
            link = folder / alias
            target = _bundled(folder, package, alias.rsplit("@", 1)[1])
            if target is None:
                problems.append(f"no bundled {package} {alias.rsplit('@', 1)[1]}.x in {folder}: Altair charts "
                                "need the internet")
                continue
            if link.is_symlink() and os.readlink(link) == target.name:
                continue
            if link.exists() and not link.is_symlink():
                continue  # a real folder (e.g. cached by Solara from the CDN) is fine
            try:
                if link.is_symlink():
                    link.unlink()
                link.symlink_to(target.name, target_is_directory=True)
                if not quiet:
                    print(f"linked {link} -> {target.name}")
            except OSError as exc:
                problems.append(f"could not link {link} -> {target.name}: {exc}")
    if not quiet:
        for p in problems:
            print(f"warning: {p}", file=sys.stderr)
        if not problems:
            print(f"offline assets ready in {folder}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 0 when the page can render offline, else 1."""
    parser = argparse.ArgumentParser(prog="python -m kaicity.viz.assets",
                                     description="Set up Solara's offline assets for `kaicity viz`.")
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    parser.add_argument("--prefix", default=None, help="installation prefix (default: this Python's)")
    args = parser.parse_args(argv)
    problems = ensure_offline_assets(args.prefix, quiet=args.quiet)
    if args.quiet:
        for p in problems:
            print(f"warning: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
