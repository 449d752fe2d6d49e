"""Shared test fixtures.

Real OpenStreetMap data lives in ``../shared/data/osm`` beside the project root (CI has
it read-only).  Tests that need it use the ``shared_osm`` fixture, which skips with a
clear reason on a user's fresh clone where the folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

ROOT = Path(__file__).resolve().parents[1]
SHARED_OSM = Path(os.environ.get("KAICITY_SHARED_OSM", ROOT.parent / "shared" / "data" / "osm"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: The real Seoul extracts in ../shared/data/osm (see its SOURCES.md).
SEOUL_FILES = (
    "seoul_central_drive.graphml",
    "seoul_mapo_gongdeok.osm",
    "seoul_songpa_jamsil_asan.osm",
)


@pytest.fixture(scope="session")
def shared_osm() -> Path:
    """Folder of real OSM extracts; skips the test when ``../shared/data/osm`` is absent."""
    if not SHARED_OSM.is_dir():
        pytest.skip(f"real OSM extracts not available: {SHARED_OSM} is absent (only in the team's checkout/CI)")
    return SHARED_OSM


@pytest.fixture(scope="session")
def root() -> Path:
    """The project root."""
    return ROOT


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """Folder of small test fixtures made for kaicity."""
    return FIXTURES


#: The one small synthetic city shared by tests (the size of the golden runs' city).
SMALL_CITY = "synthetic:n=1500,seed=7"
#: The one real Seoul city shared by tests (an OSM extract with amenities, walk and drive).
SEOUL_CITY = "seoul_mapo_gongdeok.osm"


@pytest.fixture(scope="session")
def small_city():
    """One small synthetic city (1,500 nodes, seed 7), built once per test session."""
    from kaicity.network import load_city

    return load_city(SMALL_CITY)


@pytest.fixture(scope="session")
def seoul_city(shared_osm: Path):
    """One real Seoul city (Mapo-gu Gongdeok), built once per session; skips when the extracts are absent."""
    from kaicity.network import load_city

    return load_city(shared_osm / SEOUL_CITY)
