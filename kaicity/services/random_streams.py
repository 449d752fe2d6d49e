"""Common random numbers: one independent, named random stream per concern.

A smart-city and an AI-city run with the same seed draw the same population and the
same needs, whatever else differs between them, because every concern reads its own
stream, seeded by ``(seed, stream id)``.  Adding draws to one stream never shifts
another.
"""

from __future__ import annotations

import numpy as np

#: Stream ids.  Never renumber: it would change every published result.
STREAMS: dict[str, int] = {
    "population": 1,
    "needs": 2,
    "choices": 3,
    "facilities": 4,
    "transit": 5,
    "training": 6,
    "support_centres": 7,
    "drt": 8,
    "traits": 9,
    "remote": 10,
    "outages": 11,
}


def stream(seed: int, name: str, *keys: int) -> np.random.Generator:
    """The random generator for one concern of a run.

    Parameters
    ----------
    seed
        The run's seed (scenario ``seed`` or ``--seed``).
    name
        A key of :data:`STREAMS`.
    keys
        Optional sub-stream keys (e.g. a channel index), each giving an independent stream.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator independent of every other stream.
    """
    return np.random.default_rng([int(seed), STREAMS[name], *(int(k) for k in keys)])
