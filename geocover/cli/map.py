"""``geocover map``: the self-contained interactive HTML map of a city, and its report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geocover.cli.common import (
    add_camera_options,
    add_city_options,
    add_perimeter_options,
    analysis_from_args,
    check_outputs,
    tr,
)


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "map",
        help=_("the interactive HTML map (self-contained) and the report beside it"),
        description=_(
            "Write a self-contained HTML map of the commune, its authorized perimeters, the "
            "mapped cameras, their fields of view and the covered area, with the claims and "
            "their verdicts; the report it links to is written beside it "
            "(<name>-report.txt and .md). The page requests nothing but the background "
            "tiles, and nothing at all with --tiles none."
        ),
    )
    add_city_options(parser)
    add_perimeter_options(parser)
    add_camera_options(parser)
    parser.add_argument("-o", "--output", metavar="PATH", type=Path,
                        help=_("the HTML file to write (default maps/<city>.html)"))
    parser.add_argument("--tiles", choices=("osm", "none"), default="osm",
                        help=_("background: OpenStreetMap tiles (osm, default) or none (the page "
                        "then contacts no server at all)"))
    parser.add_argument("--no-propose", dest="propose", action="store_false",
                        help=_("leave out the map's \"propose\" mode (placing cameras and drawing "
                        "perimeters to download for contrib add / perimeters add)"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import importlib

    from geocover.model.forked import do_waiting_work, when_waiting
    from geocover.outputs.paths import report_paths

    if args.output is not None:
        check_outputs(args, args.output, *report_paths(args.output))
    # folium (0.1 s to import) only for this command: loaded while the analysis waits for
    # a forked process (reading the citizen map), else when the map is built.
    when_waiting(lambda: importlib.import_module("geocover.outputs.webmap.build"))
    analysis = analysis_from_args(args)
    do_waiting_work()  # (nothing left where it was done while waiting)
    from geocover.outputs.webmap.build import default_map_path, write_map

    path = args.output if args.output is not None else default_map_path(analysis)
    if args.output is None:
        check_outputs(args, path, *report_paths(path))
    written = write_map(analysis, path, tiles=args.tiles, presets=args.presets,
                        propose=args.propose)
    t = tr()
    for file in written:
        print(t.gettext("{file} ({size} MB)").format(
            file=file, size=t.decimal(file.stat().st_size / 1e6, 2))
              if file.suffix == ".html" else file, file=sys.stdout)
    return 0
