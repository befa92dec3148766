"""``geocover batch``: every commune of a département at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geocover.outputs.batch import write_batch
from geocover.pipeline.batch import progress_to_stderr, run_batch


def register(sub: argparse._SubParsersAction) -> None:
    from geocover.model.fov import DEFAULT_PRESETS, PRESETS

    parser = sub.add_parser(
        "batch",
        help="areas, known cameras and modelled coverage of every commune of a département",
        description=(
            "For every commune of a département: its area (planar in the metric CRS and "
            "geodesic), the cameras known inside it by source, and the modelled coverage per "
            "field-of-view preset (union of the fields of view inside the commune, and its "
            "share). Writes OUT.gpkg (layers communes and provenance), OUT.csv, "
            "OUT.provenance.json and a choropleth map OUT.html."
        ),
    )
    parser.add_argument("--departement", "-d", metavar="CODE", required=True,
                        help="département code, e.g. 57 (Moselle)")
    parser.add_argument(
        "--bundle", metavar="DIR", type=Path,
        help="offline bundle folder laid out like ../shared/data (default $GEOCOVER_BUNDLE)",
    )
    parser.add_argument("-o", "--output", metavar="OUT.gpkg", type=Path, required=True,
                        help="the GeoPackage to write; the CSV, provenance and map go beside it")
    parser.add_argument(
        "--preset", metavar="NAME", nargs="+", choices=list(PRESETS), default=None,
        help=f"field-of-view presets (default: {' '.join(DEFAULT_PRESETS)})",
    )
    parser.add_argument(
        "--cameras", metavar="FILE", type=Path, nargs="+", default=[],
        help="camera files to use besides the contributions of the configured cities",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, default=None,
        help="folder of the city configurations (default: the checkout's data/)",
    )
    parser.add_argument("--workers", metavar="N", type=int, default=1,
                        help="threads running the communes' tasks (default 1)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = run_batch(
        args.departement,
        bundle=args.bundle,
        presets=args.preset,
        camera_files=args.cameras,
        data_dir=args.data_dir,
        workers=args.workers,
        progress=None if args.quiet else progress_to_stderr,
    )
    for warning in result.warnings:
        print(f"geocover: warning: {warning}", file=sys.stderr)
    paths = write_batch(result, args.output)
    frame = result.communes
    cameras = int(frame["cameras"].sum())
    print(
        f"Département {result.departement}: {len(frame)} communes, "
        f"{frame['area_km2'].sum():.1f} km² ({frame['crs'].iloc[0]}), "
        f"{frame['geodesic_area_km2'].sum():.1f} km² geodesic; {cameras} camera(s) known"
        + ("" if cameras else " (none mapped or contributed: coverage is 0 everywhere)")
        + f"; {result.seconds:.1f} s."
    )
    for key in ("gpkg", "csv", "provenance", "map"):
        print(f"  {key}: {paths[key]}")
    return 0
