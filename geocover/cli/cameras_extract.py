"""``geocover cameras extract FILE.osm.pbf``: every camera of an OSM extract, without Overpass."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geocover.cli.common import tr


def register_extract(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _ = tr().gettext
    parser = actions.add_parser(
        "extract",
        help=_("read every man_made=surveillance node and way of an OSM extract (.osm.pbf)"),
        description=_(
            "Read an OpenStreetMap extract (.osm.pbf, .osm…) with pyosmium and keep every "
            "man_made=surveillance node and way (ways at the centre of their bounding box), "
            "normalised like an Overpass answer. Prints the counts; with -o writes the cameras "
            "as GeoJSON (what --cameras and contrib add read)."
        ),
    )
    parser.add_argument("extract", type=Path, metavar="FILE.osm.pbf", help=_("the OSM extract"))
    parser.add_argument("-o", "--output", type=Path, metavar="OUT.geojson",
                        help=_("write the cameras to this GeoJSON file"))
    parser.set_defaults(run=run_extract)


def run_extract(args: argparse.Namespace) -> int:
    from geocover.io.atomic import replace_atomic
    from geocover.sources.camera_files import cameras_to_geojson
    from geocover.sources.osm_extract import cameras_from_extract

    cameras, problems, extract = cameras_from_extract(args.extract)
    skipped = [p for p in problems if "skipped" in p.reason]
    print(f"{extract.path.name}: {extract.nodes + extract.ways} man_made=surveillance "
          f"element(s) ({extract.nodes} node(s), {extract.ways} way(s)); {len(cameras)} "
          f"camera(s) kept, {len(skipped)} skipped"
          + (f"; data as of {extract.timestamp}" if extract.timestamp else ""))
    for problem in skipped[:10]:
        print(f"  skipped {problem}", file=sys.stderr)
    if args.output is not None:
        data = cameras_to_geojson(cameras)
        replace_atomic(args.output, (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8"))
        print(f"  cameras: {args.output}")
    return 0
