"""Contributions: validate, deduplicate, merge and store camera sites and perimeters;
export new cameras to OSM; list the cameras that need a visit.

Mappers add camera sites from a CSV or GeoJSON file (:func:`add_contributions`) and
perimeters digitized from a prefectoral decree (:func:`add_perimeters`). Both are kept
in the city's folder (``data/<city>/cameras.geojson``, ``perimeters.geojson``), which
several people may extend at once, so every addition

* validates each row and gives every rejected row one reason (never a silent fix);
* gives each accepted row a stable id, so adding the same file twice adds nothing;
* reads, extends and writes the file under a lock and replaces it atomically
  (:mod:`geocover.io.atomic`): concurrent additions lose nothing, a crash leaves the old file.

The rules and the file formats are documented for mappers in ``docs/contributing.md``.
"""

from __future__ import annotations

from pyproj import Geod

# --------------------------------------------------------------------------- policies

#: A camera may lie this far outside the commune boundary (metres): a camera on the
#: far side of a boundary street, or a boundary simplified by its publisher.
BOUNDARY_TOLERANCE_M: float = 200.0
#: Two cameras closer than this (metres) with no conflicting type or direction are
#: the same camera mapped twice.
DUPLICATE_DISTANCE_M: float = 5.0
#: A ``check_date`` older than this (years) puts a camera on the worklist.
STALE_CHECK_YEARS: int = 4
_GEOD = Geod(ellps="WGS84")
