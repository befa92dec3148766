"""``geocover report``: figures and verdicts for a city."""

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
    write_output,
)
from geocover.outputs.report import FORMATS, render
from geocover.verdicts.claims import CONTRADICTED


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "report",
        help=_("figures and verdicts on the city's claims"),
        description=_(
            "Measure the commune and its authorized perimeters and judge each claim of the "
            "city's city.toml: consistent, contradicted or unverifiable, with the numbers."
        ),
    )
    add_city_options(parser)
    add_perimeter_options(parser)
    add_camera_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help=_("output format (default text)"))
    parser.add_argument("-o", "--output", metavar="PATH", type=Path,
                        help=_("write the report to PATH (atomically) instead of standard output"))
    parser.add_argument(
        "--fail-on-contradiction", action="store_true",
        help=_("exit with code 1 when a claim is contradicted"),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_outputs(args, args.output)
    analysis = analysis_from_args(args)
    write_output(render(analysis, args.format), args.output)
    if args.fail_on_contradiction and any(v.verdict == CONTRADICTED for v in analysis.verdicts):
        return 1
    return 0
