"""Places as GIS layers: reporting-zone polygons read from files, a regular grid over the city.

Read by the layers above like :mod:`kaicity.network` (and importing nothing above it):

* :mod:`.zones` -- :func:`read_reporting_zones` reads a polygon layer (GeoPackage, GeoJSON,
  GeoParquet, Shapefile) and :func:`zone_of_nodes` gives each walk node the polygon it falls in;
* :mod:`.grid` -- :func:`grid_cells` puts the walk nodes on square cells of :data:`GRID_SIZE_M`
  metres in the city's projected CRS, and :func:`grid_polygons` draws them.
"""

from kaicity.geo.grid import GRID_SIZE_M, GridCells, grid_cells, grid_polygons
from kaicity.geo.zones import ReportingZones, load_reporting_zones, read_reporting_zones, zone_of_nodes

__all__ = ["GRID_SIZE_M", "GridCells", "ReportingZones", "grid_cells", "grid_polygons", "load_reporting_zones",
           "read_reporting_zones",
           "zone_of_nodes"]
