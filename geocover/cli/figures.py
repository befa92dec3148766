"""``geocover figures``: the static PNG map and the camera count over time."""

from __future__ import annotations

import argparse
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
        "figures",
        help=_("static PNG figures: the map and the camera count over time"),
        description=_(
            "Write <city>-map.png (commune, authorized perimeters, mapped cameras and the area "
            "they see under the first --preset) and <city>-cameras-over-time.png (claimed "
            "counts, press figures, mapped cameras by installation date) into --output-dir."
        ),
    )
    add_city_options(parser)
    add_perimeter_options(parser)
    add_camera_options(parser)
    parser.add_argument("--output-dir", metavar="DIR", type=Path, default=Path("maps"),
                        help=_("folder to write into (default maps/, beside the HTML map)"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_outputs(args, args.output_dir, option="--output-dir", folder=True)
    analysis = analysis_from_args(args)
    preset = args.presets[0] if args.presets else None
    from geocover.outputs.figures import write_figures  # matplotlib: only for this command

    for path in write_figures(analysis, args.output_dir, preset=preset):
        print(path)
    return 0
