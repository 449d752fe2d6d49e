"""Live browser visualization of kaicity models (SolaraViz)."""
