"""``geocover perimeters``: add perimeters digitized from a prefectoral decree."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geocover import settings
from geocover.cli.common import add_city_options, tr
from geocover.pipeline.contribute.policy import BOUNDARY_TOLERANCE_M


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "perimeters",
        help=_("add authorized perimeters digitized from a decree"),
        description=_("Digitized prefectoral perimeters in data/<city>/perimeters.geojson."),
    )
    actions = parser.add_subparsers(dest="perimeters_command", metavar="ACTION")
    parser.set_defaults(run=lambda args: _usage(parser))

    add = actions.add_parser(
        "add",
        help=_("validate polygons digitized from one decree and add them to the city"),
        description=(
            "Validate the polygons of FILE (GeoJSON, KML from uMap, GeoPackage, Shapefile) "
            "with the perimeter rules (CRS, polygons, validity, dates) and against the "
            f"commune ({BOUNDARY_TOLERANCE_M:g} m tolerance), then append them to "
            "data/<city>/perimeters.geojson (locked, atomic). All or nothing: one bad "
            "feature and nothing is added (exit 2). Adding the same file twice adds nothing."
        ),
    )
    add.add_argument("file", type=Path, help=_("the digitized polygons"))
    add_city_options(add)
    add.add_argument("--decree-ref", required=True, metavar="REF",
                     help=_("the decree's reference, e.g. \"arrêté n° 2019-DCAT-12\""))
    add.add_argument("--decree-date", required=True, metavar="YYYY-MM-DD",
                     help=_("the decree's date"))
    add.add_argument(
        "--valid-until", metavar="YYYY-MM-DD",
        help=f"end of the authorization (default: decree date + {settings.AUTHORIZATION_YEARS} "
        "years, stated in the perimeter's notes)",
    )
    add.add_argument("--source-url", metavar="URL", help=_("where the decree is published"))
    add.add_argument("--name", help=_("name of the perimeter(s) when the file gives none"))
    add.add_argument("--contributor", metavar="NAME", help=_("who digitized it"))
    add.add_argument("--assume-crs", metavar="CRS",
                     help=_("CRS of a file that declares none (e.g. EPSG:2154)"))
    add.add_argument("--on-invalid", choices=("raise", "repair"), default="raise",
                     help=_("an invalid polygon is an error (default) or repaired with make_valid"))
    add.add_argument("--dry-run", action="store_true", help=_("validate and report; write nothing"))
    add.set_defaults(run=run_add)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_add(args: argparse.Namespace) -> int:
    # Imported here: every command builds this parser, `geocover report` needs none of it.
    from geocover.pipeline.perimeters_add import add_perimeters
    from geocover.sources.city import resolve_city

    city = resolve_city(args.city, args.insee, args.data_dir)
    result = add_perimeters(
        args.file, city, decree_ref=args.decree_ref, decree_date=args.decree_date,
        valid_until=args.valid_until, source_url=args.source_url, name=args.name,
        contributor=args.contributor, assume_crs=args.assume_crs, on_invalid=args.on_invalid,
        bundle=args.bundle, dry_run=args.dry_run,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.valid_until_assumed:
        print(f"valid_until {result.valid_until}: decree date + {settings.AUTHORIZATION_YEARS} "
              "years (authorizations last five years); pass --valid-until if the decree says "
              "otherwise")
    for line in result.duplicates:
        print(f"duplicate: {line}")
    print(("dry run: " if args.dry_run else "") + result.summary())
    if result.written:
        print(f"added to {result.target}")
    elif args.dry_run:
        print("dry run: nothing written")
    return 0
