"""kaicity: an agent-based simulator of a Korean AI city (K-AI City).

Compare smart-city and AI-city service delivery on the same street network and the
same synthetic population: who gains, who is left behind, and at what cost.
"""

from kaicity.errors import KaicityError

__version__ = "0.1.0"
__all__ = ["KaicityError", "__version__"]
