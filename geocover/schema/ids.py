"""Camera ids: their prefixes, defined once, and the one "camera id → source" rule.

Every camera of the camera layer has a stable id that starts with the family of its
source:

* ``osm:<type>/<number>`` for OpenStreetMap (``osm:node/123``);
* ``list:<list id>:<record>`` for an official list (``list:paris-bovp2019:1051``);
* ``contrib:<…>`` for a contribution or a camera file.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The three families of camera sources.
OSM, LIST, CONTRIB = "osm", "list", "contrib"
FAMILIES: tuple[str, ...] = (OSM, LIST, CONTRIB)
#: The id prefixes, one per family.
OSM_PREFIX, LIST_PREFIX, CONTRIB_PREFIX = (f"{f}:" for f in FAMILIES)
ID_PREFIXES: tuple[str, ...] = (OSM_PREFIX, LIST_PREFIX, CONTRIB_PREFIX)
#: What :func:`camera_source` answers for an id without a known prefix.
UNKNOWN = "unknown"


def osm_id(element_type: object, number: object) -> str:
    """``osm:<type>/<number>``.

    >>> osm_id("node", 42)
    'osm:node/42'
    """
    return f"{OSM_PREFIX}{element_type}/{number}"


def list_source(list_id: str) -> str:
    """``list:<list id>``: the source of the cameras of one official list.

    >>> list_source("paris-bovp2019")
    'list:paris-bovp2019'
    """
    return f"{LIST_PREFIX}{list_id}"


def list_camera_id(list_id: str, record: object) -> str:
    """``list:<list id>:<record>``; its :func:`camera_source` is :func:`list_source`.

    >>> list_camera_id("paris-bovp2019", 1051)
    'list:paris-bovp2019:1051'
    """
    return f"{list_source(list_id)}:{record}"


def has_prefix(camera_id: str) -> bool:
    """Whether an id starts with a known prefix and has something after it.

    >>> has_prefix("contrib:metz-1"), has_prefix("contrib:"), has_prefix("metz-1")
    (True, False, False)
    """
    return camera_id.startswith(ID_PREFIXES) and bool(camera_id.split(":", 1)[1])


def camera_family(camera_id: object) -> str:
    """``osm``, ``list``, ``contrib``, or ``unknown`` for an id with no known prefix."""
    family, colon, _ = str(camera_id).partition(":")
    return family if colon and family in FAMILIES else UNKNOWN


def camera_source(camera_id: object) -> str:
    """The source of a camera id: ``osm``, ``contrib``, ``list:<list id>`` or ``unknown``.

    The one rule behind the report's ``cameras.by_source``, the map's camera layers and
    the batch tables.

    Examples
    --------
    >>> camera_source("list:paris-bovp2019:1051"), camera_source("osm:node/1")
    ('list:paris-bovp2019', 'osm')
    >>> camera_source("contrib:metz:3"), camera_source("weird")
    ('contrib', 'unknown')
    """
    family, colon, rest = str(camera_id).partition(":")
    if not colon or family not in FAMILIES:
        return UNKNOWN
    if family == LIST:
        return f"{LIST_PREFIX}{rest.partition(':')[0]}"
    return family


def camera_sources(camera_ids: Iterable[object]) -> list[str]:
    """:func:`camera_source` of every id, in order (for a whole camera layer)."""
    return [camera_source(i) for i in camera_ids]
