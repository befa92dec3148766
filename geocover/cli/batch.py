"""``geocover batch``: every commune of one or several départements, a region or France."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geocover.cli.common import add_lang_option, check_outputs, tr
from geocover.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    _ = tr().gettext
    from geocover.model.presets import DEFAULT_PRESETS, PRESETS

    parser = sub.add_parser(
        "batch",
        help=_("areas, known cameras and modelled coverage of every commune of départements, "
             "a region or France"),
        description=_(
            "For every commune: its area (planar in the metric CRS and geodesic), the camera "
            "sites known inside it per source ('no camera known' where no source looked), "
            "cameras per km², and the modelled coverage per field-of-view preset (union of "
            "the fields of view inside the commune, and its share). Writes OUT.parquet "
            "(GeoParquet), OUT.gpkg, OUT.csv, OUT.provenance.json and a choropleth OUT.html. "
            "One département runs in this process (threads); several, a region or France run "
            "on Dask: a local cluster, or the one at --scheduler."
        ),
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--departement", "-d", metavar="CODE", nargs="+",
                       help=_("département code(s), e.g. 57 (Moselle) or 57 54 88"))
    where.add_argument("--region", metavar="NAME", help=_("a region, by INSEE code or name"))
    where.add_argument("--france", action="store_true", help=_("every département (101)"))
    parser.add_argument(
        "--bundle", metavar="DIR", type=Path,
        help=_("offline bundle folder laid out like ../shared/data (default $GEOCOVER_BUNDLE); "
             "its camera layers are read unless --no-bundle-cameras"),
    )
    parser.add_argument("-o", "--output", metavar="OUT.parquet", type=Path, required=True,
                        help=_("the table to write (.parquet or .gpkg); the others go beside it"))
    parser.add_argument(
        "--preset", metavar="NAME", nargs="+", choices=list(PRESETS), default=None,
        help=f"field-of-view presets (default: {' '.join(DEFAULT_PRESETS)})",
    )
    parser.add_argument(
        "--cameras", metavar="FILE", type=Path, nargs="+", default=[],
        help=_("camera files (GeoJSON, CSV, Overpass JSON) or OSM extracts (.osm.pbf)"),
    )
    parser.add_argument("--no-bundle-cameras", action="store_true",
                        help=_("do not read the bundle's camera layers"))
    parser.add_argument("--overpass", action="store_true",
                        help=_("ask Overpass for each département's OSM cameras (live, cached)"))
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, default=None,
        help=_("folder of the city configurations (default: the checkout's data/)"),
    )
    parser.add_argument("--workers", metavar="N", type=int, default=None,
                        help=_("one département: threads (default 1); otherwise local Dask "
                             "worker processes (default 2)"))
    parser.add_argument("--memory-limit", metavar="SIZE", default="3GB",
                        help=_("memory limit of each local Dask worker (default 3GB)"))
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help=_("run on the Dask cluster at ADDRESS (tcp://host:8786)"))
    parser.add_argument("--engine", choices=("auto", "threads", "dask", "local"), default="auto",
                        help=_("auto (default): threads for one département, Dask otherwise; "
                             "local runs the Dask path's tasks in this process"))
    parser.add_argument("--retries", metavar="N", type=int, default=2,
                        help=_("times a failed partition (an error, or its worker died) is "
                               "tried again (default 2)"))
    parser.add_argument("--parts", metavar="DIR", type=Path, default=None,
                        help=_("folder where the workers write one GeoParquet part per "
                               "département (default OUT.parts beside -o; on a remote cluster "
                               "a folder the workers and this machine share)"))
    parser.add_argument("--tiles", choices=("osm", "none"), default="osm",
                        help=_("background of the choropleth (default osm)"))
    parser.add_argument("--quiet", "-q", action="store_true", help=_("no progress bar"))
    add_lang_option(parser)
    parser.set_defaults(run=run)


def _departements(args: argparse.Namespace) -> list[str]:
    from geocover.schema.regions import DEPARTEMENTS, check_departement, region_departements

    if args.france:
        return list(DEPARTEMENTS)
    if args.region:
        return list(region_departements(args.region)[1])
    return list(dict.fromkeys(check_departement(d) for d in args.departement))


@contextmanager
def _progress_bar(quiet: bool, total_label: str) -> Iterator[Any]:
    """A rich progress bar on stderr, or None with ``-q``."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(TextColumn("geocover batch"), BarColumn(), MofNCompleteColumn(),
                   TextColumn(total_label + " · {task.fields[communes]} communes"),
                   TimeElapsedColumn(), console=Console(stderr=True))
    with bar:
        yield bar


def run(args: argparse.Namespace) -> int:
    from geocover import settings
    from geocover.outputs.batch import output_paths, write_batch
    from geocover.pipeline.national_inputs import national_cameras

    # refuse a bad name, a store, an input or a folder in the way before any work
    check_outputs(args, *output_paths(args.output).values())
    deps = _departements(args)
    engine = args.engine
    if engine == "auto":
        engine = "threads" if len(deps) == 1 and not args.scheduler else "dask"
    if args.scheduler and engine != "dask":
        raise UsageError("--scheduler runs on Dask: leave --engine at auto or dask")
    bundle = args.bundle if args.bundle is not None else settings.bundle_from_env()
    inputs = national_cameras(
        bundle=bundle, files=args.cameras, overpass_departements=deps if args.overpass else (),
        bundle_layers=not args.no_bundle_cameras, data_dir=args.data_dir, departements=deps)

    if engine == "threads":
        if len(deps) != 1:
            raise UsageError("--engine threads runs one département; use dask for several")
        from geocover.pipeline.batch import run_batch

        result: Any = run_batch(deps[0], bundle=bundle, presets=args.preset,
                                cameras=inputs.cameras, workers=args.workers or 1,
                                progress=None if args.quiet else _progress_line,
                                sources=inputs.sources)
        result.warnings[:0] = inputs.warnings
        failures: list[tuple[str, str, str]] = []
    else:
        result = _run_national(args, deps, inputs, bundle, engine)
        failures = result.failures
    _ = tr().gettext
    t = tr()
    for warning in result.warnings:
        print(_("geocover: warning: {warning}").format(warning=warning), file=sys.stderr)
    if engine != "threads" and result.failed_departements:
        return _refuse_partial(result, args.output)
    paths = write_batch(result, args.output, tiles=args.tiles)
    frame = result.communes
    known = frame["cameras_known"]
    summary = t.ngettext(
        "{n} communes of {d} département: {planar} planar, {geodesic} geodesic; cameras known "
        "in {with_cameras} communes ({known} at least), no camera known in {without}; "
        "{seconds} s",
        "{n} communes of {d} départements: {planar} planar, {geodesic} geodesic; cameras known "
        "in {with_cameras} communes ({known} at least), no camera known in {without}; "
        "{seconds} s", len(deps)).format(
        n=t.integer(len(frame)), d=t.integer(len(deps)),
        planar=t.km2(frame["area_km2"].sum(), 1),
        geodesic=t.km2(frame["geodesic_area_km2"].sum(), 1),
        with_cameras=t.integer(int((known > 0).sum())), known=t.integer(int(known.sum())),
        without=t.integer(int(known.isna().sum())), seconds=t.decimal(result.seconds, 1))
    if engine != "threads":
        summary = _("{summary} on {engine}").format(summary=summary, engine=result.engine)
    print(summary + ".")
    for key in ("parquet", "gpkg", "csv", "provenance", "map"):
        print(f"  {key}: {paths[key]}")
    if engine != "threads" and result.parts is not None:
        print(_("  parts: {parts} (one GeoParquet file per département)").format(
            parts=f"{result.parts}{os.sep}"))
    if failures:
        print(t.ngettext("geocover: {n} commune failed (its row holds no figures):",
                         "geocover: {n} communes failed (their rows hold no figures):",
                         len(failures)).format(n=len(failures)), file=sys.stderr)
        for code, name, reason in failures[:20]:
            print(f"  {code} {name}: {reason}".replace("  ", " ", 1) if not name else
                  f"  {code} {name}: {reason}", file=sys.stderr)
        if len(failures) > 20:
            print(_("  … and {n} more (see {file})").format(n=len(failures) - 20,
                                                         file=paths["provenance"]),
                  file=sys.stderr)
        return 1
    return 0


def _refuse_partial(result: Any, output: Path) -> int:
    """Partitions failed after every retry: name their communes, write no national file
    (an earlier one stays as it was), exit 1."""
    lost = set(result.failed_departements)
    failed = [f for f in result.failures
              if f[0] in lost or (f[0][:3] if f[0].startswith("97") else f[0][:2]) in lost]
    t = tr()
    print(t.gettext("geocover: error: département(s) {deps} failed after {attempts} "
                    "attempt(s); {n} commune(s) have no figures:").format(
        deps=", ".join(result.failed_departements),
        attempts=max(result.attempts.get(d, 1) for d in result.failed_departements),
        n=t.integer(len(failed))), file=sys.stderr)
    for code, name, reason in failed[:20]:
        print(f"  {code} {name}: {reason}" if name else f"  {code}: {reason}", file=sys.stderr)
    if len(failed) > 20:
        print(t.gettext("  … and {n} more").format(n=t.integer(len(failed) - 20)),
              file=sys.stderr)
    kept = "" if result.parts is None else t.gettext(
        "; the {n} département(s) that completed are in {parts}").format(
        n=len(result.departements) - len(result.failed_departements),
        parts=f"{result.parts}{os.sep}")
    print(t.gettext("geocover: no national table written ({output} and the files beside it "
                    "are as they were){kept}. Run again, or with more --retries.").format(
        output=output, kept=kept), file=sys.stderr)
    return 1


def _run_national(args: argparse.Namespace, deps: list[str], inputs: Any, bundle: Any,
                  engine: str) -> Any:
    from geocover.outputs.batch import output_paths
    from geocover.pipeline.national import dask_client, run_national

    parts = args.parts if args.parts is not None else Path(
        f"{output_paths(args.output)['parquet'].with_suffix('')}.parts")

    with _progress_bar(args.quiet, "départements") as bar:
        task = bar.add_task("batch", total=len(deps), communes=0) if bar is not None else None

        def progress(done: int, total: int, communes: int, seconds: float) -> None:
            if bar is not None:
                bar.update(task, completed=done, communes=communes)

        if engine == "local":
            return run_national(deps, inputs, bundle=bundle, presets=args.preset,
                                retries=args.retries, progress=progress, parts=parts)
        with dask_client(args.scheduler, workers=args.workers or 2,
                         memory_limit=args.memory_limit) as client:
            return run_national(deps, inputs, bundle=bundle, presets=args.preset,
                                client=client, retries=args.retries, progress=progress,
                                parts=parts)


def _progress_line(done: int, total: int, seconds: float) -> None:
    """One département on threads: the progress line, rewritten in place on a terminal."""
    from geocover.pipeline.batch import progress_line

    line = f"geocover batch: {progress_line(done, total, seconds)}"
    end = ("\n" if done == total else "") if sys.stderr.isatty() else "\n"
    sys.stderr.write(("\r" if sys.stderr.isatty() else "") + line + end)
    sys.stderr.flush()
