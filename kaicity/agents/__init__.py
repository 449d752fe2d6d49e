"""Mesa agents: behaviour only (decisions when an event concerns them).

State that every tick touches lives in numpy arrays on the model; agents read and
write their own slice of it and call :mod:`kaicity.services` for the rules.
"""

from kaicity.agents.bus import FixedRouteBus
from kaicity.agents.drt import DRTVehicle
from kaicity.agents.facility import AISupportCentre, ServiceFacility
from kaicity.agents.resident import Resident

__all__ = ["AISupportCentre", "DRTVehicle", "FixedRouteBus", "Resident", "ServiceFacility"]
