"""``geocover contrib``: add contributed cameras, export them for OSM, list cameras to survey."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from geocover.cli.common import add_city_options, check_outputs, tr
from geocover.cli.hints import phrase
from geocover.errors import UsageError
from geocover.pipeline.contribute.policy import (
    BOUNDARY_TOLERANCE_M,
    DUPLICATE_DISTANCE_M,
    STALE_CHECK_YEARS,
)

# The rest of the library is imported by each action's run function: every command builds
# this parser, and `geocover report` should not load the contribution pipeline, the
# worklist and the OSM writer (with xml.etree).
if TYPE_CHECKING:
    from geocover.schema.city import City

#: Rejected rows printed on the terminal before "… and N more" (all are in the rejects file).
SHOWN_REJECTS = 20


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "contrib",
        help=_("add contributed cameras; export them for OSM; list cameras to survey"),
        description=_(
            "Contributions of camera sites to data/<city>/cameras.geojson: add a CSV or "
            "GeoJSON file (validated row by row), export the cameras OSM lacks as a JOSM "
            "file, and list the cameras that need a visit. See docs/contributing.md."
        ),
    )
    actions = parser.add_subparsers(dest="contrib_command", metavar="ACTION")
    parser.set_defaults(run=lambda args: _usage(parser))

    add = actions.add_parser(
        "add",
        help=_("validate a CSV/GeoJSON of cameras and add its rows to the city"),
        description=(
            "Validate every row (coordinates, commune, OSM tag values, direction grammar, "
            f"duplicates within {DUPLICATE_DISTANCE_M:g} m) and append the accepted rows to "
            "data/<city>/cameras.geojson (locked, atomic). Rejected rows go to a rejects "
            "file with one reason each. Exit 0; 1 when every row was rejected as invalid; "
            "2 when the file itself is unusable."
        ),
    )
    add.add_argument("file", type=Path, help=_("CSV (lat/lon columns) or GeoJSON of Points"))
    add_city_options(add)
    add.add_argument("--contributor", metavar="NAME",
                     help=_("who contributes (stored with each camera)"))
    add.add_argument("--dry-run", action="store_true", help=_("validate and report; write nothing"))
    add.add_argument(
        "--merge-duplicates", action="store_true",
        help=_("merge a duplicate into the camera it duplicates (fill its missing tags, never "
        "overwrite) instead of only reporting it"),
    )
    add.add_argument("--lat", metavar="COL", help=_("latitude column of a CSV (default: detected)"))
    add.add_argument("--lon", metavar="COL",
                     help=_("longitude column of a CSV (default: detected)"))
    add.add_argument("--rejects", metavar="PATH", type=Path,
                     help=_("where to write rejected rows (default: <file>.rejects.csv beside it)"))
    add.add_argument("--encoding", default="utf-8",
                     help=_("text encoding of the file (default utf-8; e.g. latin-1, cp1252)"))
    add.set_defaults(run=run_add)

    export = actions.add_parser(
        "export-osm",
        help=_("write the contributed cameras OSM lacks as a JOSM file (nothing is uploaded)"),
        description=(
            "Write contributed cameras with no osm: id, at exact precision, and not within "
            f"{DUPLICATE_DISTANCE_M:g} m of an OSM camera (with --osm) as new nodes of an "
            "OSM XML file to review and upload with JOSM."
        ),
    )
    add_city_options(export)
    export.add_argument("-o", "--output", metavar="FILE.osm", type=Path, required=True)
    export.add_argument("--osm", metavar="FILE", type=Path,
                        help=_("OSM cameras to compare with (an Overpass JSON answer or a "
                        "camera file)"))
    export.set_defaults(run=run_export)

    todo = actions.add_parser(
        "worklist",
        help=_("cameras missing type, direction or height, or checked long ago"),
        description=(
            "List the cameras a mapper should visit: missing camera:type, camera:direction "
            f"(fixed cameras), height, or a check_date older than {STALE_CHECK_YEARS} years. "
            "Writes PREFIX.csv and PREFIX.geojson."
        ),
    )
    add_city_options(todo)
    todo.add_argument("-o", "--output", metavar="PREFIX", type=Path,
                      help=_("output prefix (default: <city>-worklist in the current folder)"))
    todo.add_argument("--osm", metavar="FILE", type=Path,
                      help=_("also list OSM cameras from this file (Overpass JSON or camera file)"))
    todo.add_argument("--today", metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    todo.set_defaults(run=run_worklist)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _city(args: argparse.Namespace) -> City:
    from geocover.sources.city import resolve_city

    return resolve_city(args.city, args.insee, args.data_dir)


def run_add(args: argparse.Namespace) -> int:
    from geocover.pipeline.contribute.add import (
        add_contributions,
        default_rejects_path,
        write_rejects,
    )

    check_outputs(args, args.rejects or default_rejects_path(args.file), option="--rejects")
    city = _city(args)
    result = add_contributions(
        args.file, city, bundle=args.bundle, contributor=args.contributor,
        merge_duplicates=args.merge_duplicates, dry_run=args.dry_run,
        lat=args.lat, lon=args.lon, encoding=args.encoding,
    )
    for line in result.merged:
        print(line)
    if result.already:
        print(f"{len(result.already)} rows were added before (same ids in {result.target.name}): "
              "nothing to do for them")
    for reject in result.rejects[:SHOWN_REJECTS]:
        print(f"row {reject.row}: {phrase(reject.reason, reject.hint)}")
    if len(result.rejects) > SHOWN_REJECTS:
        print(f"… and {len(result.rejects) - SHOWN_REJECTS} more")
    if result.near_boundary:
        print(f"{result.near_boundary} accepted rows lie outside the commune boundary but within "
              f"{BOUNDARY_TOLERANCE_M:g} m of it")
    if result.rejects and not args.dry_run:
        path = write_rejects(result, args.rejects or default_rejects_path(args.file), phrase)
        print(f"rejected rows and their reasons: {path}")
    print(("dry run: " if args.dry_run else "") + result.summary())
    if result.written:
        print(f"added to {result.target}")
    elif args.dry_run:
        print("dry run: nothing written")
    return result.exit_code


def run_export(args: argparse.Namespace) -> int:
    from geocover.io.atomic import replace_atomic
    from geocover.outputs.osmfile import osm_export
    from geocover.pipeline.worklist import load_osm_cameras
    from geocover.sources.camera_files import load_contributions

    city = _city(args)
    check_outputs(args, args.output)
    if city.cameras_file is None:
        raise UsageError(f"{city.slug} has no contributions file")
    contributions = load_contributions(city.cameras_file)
    osm = load_osm_cameras(args.osm) if args.osm else None
    export = osm_export(contributions, osm)
    replace_atomic(args.output, export.xml())
    for cid, reason in export.skipped:
        print(f"{cid}: left out: {reason}")
    if export.left_out_keys:
        print("keys that are not OSM tags, left out: " + ", ".join(sorted(export.left_out_keys)))
    if osm is None:
        print("no OSM layer given (--osm FILE): only cameras with an osm: id were left out; "
              "check for cameras already in OSM in JOSM before uploading")
    print(f"wrote {len(export.nodes)} new nodes to {args.output} "
          "(review in JOSM; nothing uploaded)")
    return 0


def run_worklist(args: argparse.Namespace) -> int:
    from geocover.pipeline.worklist import (
        load_osm_cameras,
        worklist,
        worklist_paths,
        write_worklist,
    )
    from geocover.sources.camera_files import load_contributions

    city = _city(args)
    if city.cameras_file is None:
        raise UsageError(f"{city.slug} has no contributions file")
    frames = [load_contributions(city.cameras_file)]
    if args.osm:
        frames.append(load_osm_cameras(args.osm))
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            raise UsageError(f"--today {args.today!r} is not a date (YYYY-MM-DD)") from None
    import pandas as pd

    cameras = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
    todo = worklist(cameras, today=today)
    prefix = args.output or Path(f"{city.slug}-worklist")
    check_outputs(args, *worklist_paths(prefix))
    csv_path, geojson_path = write_worklist(todo, prefix)
    print(f"{len(todo)} of {len(cameras)} cameras need a visit; "
          f"wrote {csv_path} and {geojson_path}")
    return 0
