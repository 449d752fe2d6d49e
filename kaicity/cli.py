"""The ``kaicity`` command line.

Each sub-command lives in its own module under :mod:`kaicity.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable taking
the parsed arguments and returning an exit code.  User mistakes (any
:class:`~kaicity.errors.KaicityError`) are printed as one line on stderr with exit
code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from kaicity import __version__
from kaicity.errors import KaicityError, KaicityWarning

#: Sub-command modules under kaicity.commands, in the order ``kaicity --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = ("network", "access", "validate", "run", "compare", "sweep", "viz")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="kaicity",
        description="Agent-based simulator of a Korean AI city: smart-city vs AI-city service delivery.",
    )
    parser.add_argument("--version", action="version", version=f"kaicity {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"kaicity.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        with warnings.catch_warnings():
            default_show = warnings.showwarning

            def show(message, category, filename, lineno, file=None, line=None):  # one line, no source
                if issubclass(category, KaicityWarning):
                    print(f"kaicity {args.command}: warning: {message}", file=sys.stderr)
                else:
                    default_show(message, category, filename, lineno, file, line)

            warnings.showwarning = show
            return int(args.func(args) or 0)
    except KaicityError as exc:
        print(f"kaicity {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
