"""Live browser visualization of kaicity models (Mesa SolaraViz).

``kaicity viz SCENARIO.yaml [--compare OTHER.yaml]`` serves :mod:`kaicity.viz.app`;
in a notebook, ``from kaicity.viz.app import make_page; make_page("scenarios/ai_city.yaml")``.
This package's ``__init__`` imports nothing heavy, so ``python -m kaicity.viz.assets`` stays fast.
"""

import warnings

# Mesa 3.3.1's ComponentsView trips Solara's hook linter when mesa.visualization is imported
# (harmless: its early return never runs with components).
warnings.filterwarnings("ignore", message=r".*ComponentsView: `use_state` found despite early return")
