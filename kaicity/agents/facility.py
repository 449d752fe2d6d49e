"""Places that serve residents: service facilities and AI support centres."""

from __future__ import annotations

from kaicity.agents.base import KaicityAgent
from kaicity.services.learning import train
from kaicity.services.queues import ServerPool, scaled_pool


class ServiceFacility(KaicityAgent):
    """A clinic, school, welfare office, shop or park with capacity and opening hours.

    Parameters
    ----------
    model
        The model.
    category
        One of :data:`kaicity.categories.CATEGORIES`.
    node, drive_node
        Walk- and drive-graph node indices.
    servers
        Persons served at once (0 closes the facility: its needs go elsewhere); see
        :func:`kaicity.services.queues.servers_for_capacity`.
    service_min
        Minutes per person.
    opening_hours
        ``(open, close)`` clock hours.
    name
        Display name.
    scale
        People per agent: the real ``servers`` serve agents at 1/scale of their rate
        (:func:`kaicity.services.queues.scaled_pool`).
    """

    def __init__(self, model, category: str, node: int, drive_node: int, servers: int,
                 service_min: float, opening_hours: tuple[float, float], name: str = "",
                 scale: float = 1.0) -> None:
        super().__init__(model)
        self.category = category
        self.node = int(node)
        self.drive_node = int(drive_node)
        self.name = name
        simulated, occupancy_s = scaled_pool(servers, service_min * 60.0, scale)
        self.queue = ServerPool(simulated, service_min * 60.0, opening_hours[0], opening_hours[1],
                                model.start_hour, occupancy_s=occupancy_s)
        self.rejected = 0

    @property
    def is_open_for_service(self) -> bool:
        """False for a zero-capacity facility."""
        return not self.queue.closed_for_good

    def admit(self, arrival: float, max_queue_s: float) -> tuple[float, float] | None:
        """Queue a visitor arriving at ``arrival``; ``None`` when the wait would exceed ``max_queue_s``."""
        start = self.queue.predicted_start(arrival)
        if start - arrival > max_queue_s:
            self.rejected += 1
            return None
        return self.queue.admit(arrival)


class AISupportCentre(ServiceFacility):
    """An AI support centre: assisted AI service and digital training (디지털배움터-like).

    Visitors are served by ``staff`` concurrent assistants for ``session_min`` minutes and
    leave with higher digital literacy (diminishing returns, see
    :func:`kaicity.services.learning.train`): ``literacy_gain`` after a training session,
    ``assisted_gain`` after an assisted service session.
    """

    def __init__(self, model, node: int, drive_node: int, staff: int, session_min: float,
                 opening_hours: tuple[float, float], literacy_gain: float, name: str = "",
                 scale: float = 1.0, assisted_gain: float = 0.0) -> None:
        super().__init__(model, "support_centre", node, drive_node, staff, session_min, opening_hours, name,
                         scale=scale)
        self.staff = int(staff)
        self.literacy_gain = float(literacy_gain)
        self.assisted_gain = float(assisted_gain)
        self.sessions = 0
        self.training_sessions = 0

    def teach(self, literacy: float, training: bool = False) -> float:
        """Run one session and return the visitor's new literacy."""
        self.sessions += 1
        if training:
            self.training_sessions += 1
        return train(literacy, self.literacy_gain if training else self.assisted_gain)
