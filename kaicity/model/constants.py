"""Constants of the model: event kinds, the channel-exclusion bits, the seed range and the DRT fleet floor."""

from __future__ import annotations

#: Kinds of event in the model's queue (a need arises, an arrival at a place, a resident is free
#: again, a training wish arises, a transit rider asks again for a ride home).
NEED, ARRIVE, FREE, TRAINING, RETURN = 0, 1, 2, 3, 4

#: Bits of :attr:`KaiCityModel.excluded`: channels a need has already failed on.
EXCLUDE_AI, EXCLUDE_ONLINE, EXCLUDE_CENTRE = 1, 2, 4

#: Fewest simulated DRT vans at which pooling and waits still behave like the real fleet's
#: (assumption: with fewer, one busy van decides every wait); below it a scaled run warns loudly.
DRT_MIN_SIMULATED_FLEET = 5

#: Largest run seed (numpy's SeedSequence and Mesa take any non-negative int; 32 bits keeps runs portable).
MAX_SEED = 2**32 - 1
