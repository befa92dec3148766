"""``geocover compliance``: cameras outside the authorized perimeters, perimeters without a
known camera, expired or expiring authorizations, perimeters that leave the commune."""

from __future__ import annotations

import argparse
import datetime as dt
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
from geocover.io.atomic import replace_atomic
from geocover.outputs.compliance import export_tables, render, summary
from geocover.outputs.escape import strict_json
from geocover.verdicts.compliance import EXPIRY_WARNING_MONTHS


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    parser = sub.add_parser(
        "compliance",
        help=_("authorization checks: cameras outside perimeters, expired decrees…"),
        description=(
            "Check the authorizations themselves: cameras outside every authorized perimeter, "
            "perimeters with no known camera, authorizations expired or expiring within "
            f"{EXPIRY_WARNING_MONTHS} months (five-year validity), perimeters that "
            "leave the commune. Each table is written as CSV and GeoJSON, with ids."
        ),
    )
    add_city_options(parser)
    add_perimeter_options(parser)
    add_camera_options(parser)
    parser.add_argument(
        "-o", "--output-dir", metavar="DIR", type=Path, default=Path("maps"),
        help=_("folder for <city>-compliance-<table>.csv/.geojson (default maps/)"),
    )
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", type=_iso_date, default=None,
        help=_("judge expiry against this date instead of today (reproducible runs)"),
    )
    parser.add_argument(
        "--fail-on-issues", action="store_true",
        help=_("exit with code 1 when any table is not empty"),
    )
    parser.set_defaults(run=run)


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run(args: argparse.Namespace) -> int:
    check_outputs(args, args.output_dir, option="--output-dir", folder=True)
    args.today = args.today or dt.date.today()
    analysis = analysis_from_args(args)
    result, record = analysis.compliance, analysis.provenance
    assert result is not None and record is not None  # analyse() computes both

    prefix = f"{analysis.city.slug}-compliance"
    out = args.output_dir
    written = export_tables(result, out, prefix)
    replace_atomic(out / f"{prefix}.json", _json(summary(result)))
    replace_atomic(out / f"{prefix}.provenance.json", _json(record.to_dict()))

    _, text, _ = render(result)
    sys.stdout.write("\n".join(text) + "\n")
    sys.stdout.write(f"Written: {len(written) + 2} files in {out}/ ({prefix}-*.csv, *.geojson, "
                     f"{prefix}.json, {prefix}.provenance.json)\n")
    if args.fail_on_issues and any(len(t) for t in result.tables.values()):
        return 1
    return 0


def _json(data: object) -> bytes:
    return (strict_json(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
