"""Output folders you can trust: safe names, checked before work starts, written atomically.

A command that writes a folder of results (``run``, ``compare``, ``network``, ``access``) does so
through :func:`atomic_output`:

1. :func:`check_target` looks at ``--out`` before any work: it must not be a file, lie under a
   file, be a symbolic link, or contain the current directory; a non-empty folder is refused
   unless ``overwrite`` is given, and even then only a folder that kaicity wrote (it holds the
   :data:`MARKER` file) is ever deleted.
2. The results are written into a hidden temporary folder beside the target, in the same parent
   (``.<name>.partial-<pid>``), so the final move is a rename on one file system.
3. When the work is complete, :data:`MARKER` is written last and the temporary folder is renamed
   into place.  With ``overwrite``, the earlier folder is removed only after the new one is
   complete.  If anything interrupts the work (an error, Ctrl-C, SIGTERM turned into
   :class:`KeyboardInterrupt` by the command line), the temporary folder is removed, so nothing
   that looks complete is left at ``--out``.

A scenario ``name`` is a label, never a path: :func:`safe_component` maps it to one safe path
component and :func:`scenario_folders` refuses two scenarios that would share a folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from kaicity.errors import InputFileError, ScenarioError

#: File written last into every complete output folder; --overwrite only deletes folders holding it.
MARKER = ".kaicity-output.json"
#: Longest folder name made from a scenario name (file systems allow 255 bytes).
MAX_COMPONENT = 80
_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_component(name: str) -> str:
    """Map a scenario name to one safe path component.

    Letters (any script), digits, ``_``, ``-`` and ``.`` are kept; every other run of characters
    (``/``, ``\\``, spaces, control characters, ...) becomes ``_``; leading and trailing dots and
    underscores are dropped so the result is never ``.``, ``..`` or hidden; the result is cut to :data:`MAX_COMPONENT`
    characters and is ``scenario`` when nothing is left.

    Parameters
    ----------
    name
        The scenario's ``name`` (a label).

    Returns
    -------
    str
        A non-empty folder name without path separators.
    """
    text = unicodedata.normalize("NFC", str(name))
    slug = _UNSAFE.sub("_", text).strip("._")[:MAX_COMPONENT].rstrip("._")
    return slug or "scenario"


def child_folder(parent: Path, name: str) -> Path:
    """``parent / safe_component(name)``, checked to stay directly inside ``parent``."""
    folder = Path(parent) / safe_component(name)
    if Path(os.path.abspath(folder)).parent != Path(os.path.abspath(parent)):  # pragma: no cover - defensive
        raise ScenarioError(f"scenario name {name!r} does not give a folder inside {parent}; rename it",
                            path="name")
    return folder


def scenario_folders(names: Iterable[str]) -> list[str]:
    """One folder name per scenario; two scenarios that would share a folder are an error.

    Names are compared after :func:`safe_component` and case folding (``Smart_City`` and
    ``smart city`` would share a folder on a case-insensitive file system).

    Raises
    ------
    ScenarioError
        Naming both scenarios and the folder they would share.
    """
    names = list(names)
    folders = [safe_component(n) for n in names]
    seen: dict[str, str] = {}
    for name, folder in zip(names, folders, strict=True):
        key = folder.casefold()
        if key in seen:
            raise ScenarioError(f"scenarios {seen[key]!r} and {name!r} would share the output folder "
                                f"{folder!r}; give them different names (e.g. --set name=...)", path="name")
        seen[key] = name
    return folders


def check_target(out: Path, *, overwrite: bool) -> Path:
    """Check ``--out`` before any work starts; return it as an absolute path.

    Raises
    ------
    InputFileError
        When ``out`` is a file, lies under a file, is a symbolic link, contains the current
        directory, or is a non-empty folder without ``overwrite`` (or, with ``overwrite``, a
        non-empty folder that kaicity did not write).
    """
    shown = str(out)
    target = Path(os.path.abspath(Path(out).expanduser()))
    if target == Path(target.anchor) or Path.cwd().is_relative_to(target):
        raise InputFileError(f"--out {shown}: the output folder would contain the current directory; "
                             "pick a sub-folder such as out/run")
    for ancestor in target.parents:
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise InputFileError(f"--out {shown}: {ancestor} is a file, not a folder; pick another --out")
            break
    if target.is_symlink():
        raise InputFileError(f"--out {shown} is a symbolic link; pick a real folder")
    if not target.exists():
        return target
    if not target.is_dir():
        raise InputFileError(f"--out {shown} is a file, not a folder; pick another --out")
    if not any(target.iterdir()):
        return target
    if not overwrite:
        raise InputFileError(f"--out {shown} already holds files; pass --overwrite to replace that earlier "
                             "run or pick another folder")
    if not (target / MARKER).is_file():
        raise InputFileError(f"--out {shown} holds files kaicity did not write (no {MARKER}), so "
                             "--overwrite will not delete it; remove it yourself or pick another folder")
    return target


def mark_complete(folder: Path, kind: str) -> None:
    """Write :data:`MARKER` into ``folder`` (last, once everything else is written)."""
    from kaicity import __version__

    (Path(folder) / MARKER).write_text(json.dumps({"kaicity": __version__, "kind": kind, "complete": True}) + "\n")


def is_complete(folder: Path) -> bool:
    """True when ``folder`` is a finished kaicity output folder (it holds :data:`MARKER`)."""
    return (Path(folder) / MARKER).is_file()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True


def _remove_stale_partials(parent: Path, name: str) -> None:
    """Remove ``.<name>.partial-<pid>`` folders left by processes that no longer run (e.g. SIGKILL)."""
    prefix = f".{name}.partial-"
    with contextlib.suppress(OSError):
        for p in parent.iterdir():
            pid = p.name[len(prefix):]
            if p.name.startswith(prefix) and pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the finished folder is moved into place."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _move_into_place(tmp: Path, target: Path, *, overwrite: bool, shown: str) -> None:
    old = None
    if target.exists() and not (target.is_dir() and not target.is_symlink() and not any(target.iterdir())):
        check_target(target, overwrite=overwrite)  # something appeared meanwhile: the same rules apply
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except OSError as exc:
        if old is not None:
            os.replace(old, target)
        raise InputFileError(f"--out {shown}: cannot move the results into place ({exc.strerror or exc})") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_output(out: Path, *, overwrite: bool = False, kind: str = "run") -> Iterator[Path]:
    """Check ``out``, yield a temporary folder beside it, and move that into place when complete.

    Parameters
    ----------
    out
        The folder the user asked for (``--out``).
    overwrite
        Replace an earlier kaicity output folder at ``out``; it is removed only after the new
        results are complete.
    kind
        What the folder holds (``run``, ``compare``, ...), recorded in :data:`MARKER`.

    Yields
    ------
    Path
        An empty temporary folder to write every result into.

    Raises
    ------
    InputFileError
        From :func:`check_target`, or when the folder cannot be created (before any work).
    """
    shown = str(out)
    target = check_target(out, overwrite=overwrite)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(parent, target.name)
        tmp = parent / f".{target.name}.partial-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
    except OSError as exc:
        raise InputFileError(f"--out {shown}: cannot create the output folder ({exc.strerror or exc})") from exc
    try:
        yield tmp
        try:
            mark_complete(tmp, kind)
        except OSError as exc:
            raise InputFileError(f"--out {shown}: cannot write the results ({exc.strerror or exc})") from exc
        with _signals_held():
            _move_into_place(tmp, target, overwrite=overwrite, shown=shown)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
