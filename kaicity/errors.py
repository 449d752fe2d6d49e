"""Every error kaicity raises on purpose.

All of them derive from :class:`KaicityError`, itself a :class:`ValueError`, so a
caller can catch one base class.  Messages name the input that was wrong and say
what to do about it; the command line prints them as a single line and exits
non-zero instead of showing a traceback.
"""

from __future__ import annotations


class KaicityError(ValueError):
    """Base class of all errors raised by kaicity for bad input or impossible requests."""


class InputFileError(KaicityError):
    """A file is missing, unreadable, or holds no usable data."""


class NetworkError(KaicityError):
    """A street network is empty, disconnected beyond use, or cannot be built."""


class OfflineError(NetworkError):
    """A download was needed but there is no internet connection and no cached copy."""


class GeometryError(KaicityError):
    """A bounding box, coordinate or polygon is malformed (e.g. swapped corners)."""


class FacilityError(KaicityError):
    """Facilities are unknown, unreachable, or placed off the network."""


class RoutingError(KaicityError):
    """Bad input to a routing or accessibility kernel (negative/NaN weights, bad node index)."""


class ScenarioError(KaicityError):
    """A scenario file fails validation (unknown key, wrong type, out-of-range value).

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    path
        The dotted key path inside the scenario, e.g. ``population.elderly_share``.
    file
        The YAML file the value came from.
    line
        The 1-based line of that value in ``file``, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, file: str | None = None,
                 line: int | None = None) -> None:
        self.key_path = path
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}"
            if line:
                where += f":{line}"
            where += ": "
        key = f"{path}: " if path else ""
        super().__init__(f"{where}{key}{message}")


class SimulationError(KaicityError):
    """The model cannot be built or stepped with the given inputs (e.g. an empty population)."""


class KaicityWarning(UserWarning):
    """A request the model could not meet exactly and adjusted (e.g. fewer support centres placed).

    Every such adjustment is also listed under ``warnings`` in the run's ``summary.json``.
    """


class ServeError(KaicityError):
    """``kaicity viz`` cannot serve as asked (port out of range or in use, bad host, bad start hour or seed)."""


class SweepError(KaicityError):
    """A sweep cannot start: bad grid size or workers, an unusable output folder or scheduler."""


class ExploreError(KaicityError):
    """An exploration SPEC (``kaicity explore``) is invalid or asks for more runs than allowed."""
