"""Names shared by every layer: service categories, zones and population groups.

This module imports nothing from kaicity, so any layer may use it.
"""

from __future__ import annotations

#: kaicity's five daily-service categories (Moreno 2021; Seoul 보행일상권 domains, condensed).
CATEGORIES: tuple[str, ...] = ("healthcare", "education", "welfare", "daily", "culture")

#: Human-readable labels for reports and legends.
CATEGORY_LABELS: dict[str, str] = {
    "healthcare": "Healthcare",
    "education": "Education",
    "welfare": "Welfare / administration",
    "daily": "Daily needs (grocery, pharmacy)",
    "culture": "Culture / park",
}

#: Zone labels; a node's zone code is its index in this tuple.
ZONES: tuple[str, ...] = ("core", "suburb", "rural")
ZONE_CODE: dict[str, int] = {z: i for i, z in enumerate(ZONES)}

#: Age groups; a resident's group code is its index in this tuple.
GROUPS: tuple[str, ...] = ("child", "adult", "elderly")
GROUP_CODE: dict[str, int] = {g: i for i, g in enumerate(GROUPS)}
