"""``geocover cameras``: camera lists. Actions: ``geocode`` (and more registered in ACTIONS).

The ``cameras`` command is a group: :func:`register` creates its parser and its own
subparsers, then calls every registrar of :data:`ACTIONS` with them. To add an action
(e.g. ``cameras fetch``), write ``register_fetch(actions)`` that calls
``actions.add_parser("fetch", …)`` and sets ``run``, and append it to ``ACTIONS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from geocover import settings
from geocover.cli.cameras_extract import register_extract
from geocover.cli.common import check_outputs, tr
from geocover.errors import UsageError

# The library is imported by each action's run function: every command builds this parser,
# and `geocover report` should not load the geocoder and the contribution pipeline.
MIN_SCORE = settings.GEOCODE_MIN_SCORE

#: Registrars of the ``cameras`` actions, called in order with the group's subparsers.
ACTIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "cameras",
        help=_("camera lists: geocode an official list"),
        description=_("Camera sites from official lists and OpenStreetMap."),
    )
    actions = parser.add_subparsers(dest="cameras_command", metavar="ACTION")
    parser.set_defaults(run=lambda args: _usage(parser))
    for add_action in ACTIONS:
        add_action(actions)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def register_geocode(actions: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = actions.add_parser(
        "geocode",
        help=_("geocode an address list with the national address API (BAN)"),
        description=(
            "Geocode the addresses or street crossings of a CSV camera list with "
            "api-adresse.data.gouv.fr. Records each match's location precision (exact for "
            "an address point, street for a street or a crossing, commune) and score; rows "
            f"without a match scoring at least --min-score (default {MIN_SCORE:g}) go to the "
            "rejects file. Exit 0; 1 when no row could be geocoded; 2 on unusable input or "
            "a failing geocoder."
        ),
    )
    parser.add_argument("list", type=Path, metavar="LIST.csv",
                        help=_("the list (CSV with a header)"))
    parser.add_argument("--columns", nargs="+", required=True, metavar="COL",
                        help=_("the columns that make the address, joined with spaces"))
    parser.add_argument("--postcode-column", metavar="COL",
                        help=_("a column of postcodes (filter)"))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--city", help=_("a configured city: its INSEE code filters the results"))
    where.add_argument("--citycode", metavar="INSEE", help=_("filter the results to this commune"))
    parser.add_argument("--data-dir", metavar="DIR", type=Path, default=None,
                        help=_("folder of the city configurations (default: the checkout's data/)"))
    parser.add_argument("--id-column", metavar="COL",
                        help=_("a column of stable ids (camera ids list:<list-id>:<id>)"))
    parser.add_argument("--list-id", metavar="NAME",
                        help=_("short name of the list (default: file name)"))
    parser.add_argument("--min-score", type=float, default=MIN_SCORE,
                        help=f"reject matches scoring below this (default {MIN_SCORE:g})")
    parser.add_argument("--batch", action="store_true",
                        help=_("one request to the BAN's CSV endpoint instead of one per row"))
    parser.add_argument("--encoding", default="utf-8",
                        help=_("text encoding of the list (default utf-8)"))
    parser.add_argument("-o", "--output", metavar="OUT.geojson", type=Path,
                        help=_("the geocoded cameras (default: <list>.geocoded.geojson beside it)"))
    parser.add_argument("--rejects", metavar="PATH", type=Path,
                        help=_("rows not geocoded (default: <list>.rejects.csv beside it)"))
    parser.set_defaults(run=run_geocode)


ACTIONS.append(register_geocode)


def run_geocode(args: argparse.Namespace) -> int:
    from geocover.pipeline.contribute.add import default_rejects_path
    from geocover.sources.city import load_city
    from geocover.sources.communes import check_insee
    from geocover.sources.geocoder import geocode_list, write_geocoded, write_list_rejects

    citycode = None
    if args.city:
        citycode = load_city(args.city, args.data_dir).insee
    elif args.citycode:
        try:
            citycode = check_insee(args.citycode)
        except UsageError as exc:
            raise UsageError(f"--citycode: {exc}") from None

    def progress(done: int, total: int) -> None:
        print(f"geocoded {done}/{total}…", file=sys.stderr)

    result = geocode_list(
        args.list, columns=args.columns, postcode_column=args.postcode_column,
        citycode=citycode, id_column=args.id_column, list_id=args.list_id,
        min_score=args.min_score, encoding=args.encoding, batch=args.batch, progress=progress,
    )
    output = args.output or args.list.with_name(args.list.stem + ".geocoded.geojson")
    rejects_path = args.rejects or default_rejects_path(args.list)
    check_outputs(args, output, inputs=(args.list,))
    check_outputs(args, rejects_path, option="--rejects", inputs=(args.list, output))
    write_geocoded(result, output)
    print(f"cameras: {output}")
    if result.rejects:
        rejects = write_list_rejects(result, rejects_path)
        print(f"rows not geocoded and why: {rejects}")
    print(result.summary())
    return result.exit_code


def register_fetch(actions: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = actions.add_parser(
        "fetch",
        help=_("keep a dated snapshot of the city's OSM cameras, buildings and streets"),
        description=_(
            "Query Overpass for the commune's cameras (man_made=surveillance), buildings and "
            "highways and write the answers as received, dated, with a provenance file "
            "(query, URL, retrieval time, sha256, counts), under data/<city>/osm/."
        ),
    )
    parser.add_argument("city", nargs="?", default=None, help=_("a configured city (default metz)"))
    parser.add_argument("--insee", metavar="CODE", help=_("any French commune by INSEE code"))
    parser.add_argument("--data-dir", metavar="DIR", type=Path, default=None,
                        help=_("folder of the city configurations (default: the checkout's data/)"))
    parser.add_argument("-o", "--output-dir", metavar="DIR", type=Path,
                        help=_("where to write the snapshot (default data/<city>/osm/)"))
    parser.set_defaults(run=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from geocover.sources.city import resolve_city
    from geocover.sources.layers import write_osm_snapshot

    city = resolve_city(args.city, args.insee, args.data_dir)
    folder = args.output_dir
    if folder is None and city.folder == Path("."):
        folder = Path("data") / city.slug / "osm"
    check_outputs(args, folder, option="--output-dir", folder=True)
    print(f"querying Overpass for {city.name} ({city.insee}): cameras, buildings, highways…",
          file=sys.stderr)
    for path in write_osm_snapshot(city, folder):
        print(path)
    return 0


ACTIONS.append(register_fetch)
ACTIONS.append(register_extract)
