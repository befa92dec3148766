"""Every commune of several départements, a region or all of France, on Dask.

The driver (this process) reads the camera layers once
(:func:`~geocover.pipeline.national_inputs.national_cameras`), then for each
département:

1. a task loads its communes **on a worker** (from the bundle, which the workers must be
   able to read at the same path, or from geo.api.gouv.fr through the workers' cache)
   and keeps them there; only their bounding box comes back;
2. the driver picks the cameras inside the box grown by the largest camera reach (the
   halo, at least :data:`~geocover.pipeline.partition.MATCH_HALO_M` for the matching)
   with one spatial index query, and submits one partition task with them, next to the
   communes already on the worker: each partition is sent once;
3. the partition (:func:`~geocover.pipeline.partition.run_partition`) does all its
   per-commune work inside (the cameras matched across sources into sites first) and,
   given a folder of ``parts``, writes its table there (``part-<code>.parquet``,
   atomically) and returns only a summary; the driver then reads the parts back, one
   at a time, into the national table. Without ``parts`` the tables come back through
   Dask (for a library caller who wants them in memory).

A partition that fails (an error, or its worker died: ``KilledWorker``) is submitted
again, ``retries`` times at most; then its communes are reported by code and name and
no part of it exists. On a :func:`dask_client` local cluster a worker's death fails the
task at once (``distributed.scheduler.allowed-failures`` = 0), so ``retries`` is the one
bound; an external scheduler first re-runs a task lost with a worker as its own
``allowed-failures`` says (default 3). A commune whose own computation fails is
reported by code and name, its row kept with NaN figures. Without a Dask client the same
tasks run here, one after the other (``engine="local"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geocover import settings
from geocover.errors import UsageError
from geocover.pipeline.national_inputs import CameraInputs
from geocover.pipeline.partition import (
    MATCH_HALO_M,
    Partition,
    bounds_of,
    camera_subsets,
    largest_reach_m,
    load_communes,
    part_path,
    read_part,
    run_partition,
)
from geocover.pipeline.provenance import build, content_sha256, file_record, files_of
from geocover.sources.communes import departement_source

#: Times a failed task is tried again before its communes are reported as failed.
RETRIES: int = 2

Progress = Callable[[int, int, int, float], None]
"""``progress(partitions done, partitions, communes done, seconds)``."""


@dataclass
class NationalResult:
    """The figures of every commune of the départements run, and how they were obtained."""

    departements: list[str]
    communes: gpd.GeoDataFrame
    presets: tuple[str, ...]
    provenance: dict[str, Any]
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    """(code, name, reason) of each commune (or ``(département, "", reason)``) that failed."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step: communes (loaded), partitions (sum of the tasks), partitions_wall
    (from the first partition submitted to the last one done), assemble (the parts read
    back into the table), total."""
    engine: str = "local"
    partition_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds each département's partition took on its worker."""
    failed_departements: list[str] = field(default_factory=list)
    """Départements whose partition failed after every retry (no row, no part)."""
    attempts: dict[str, int] = field(default_factory=dict)
    """Times each département's partition was submitted (1 = no retry)."""
    parts: Path | None = None
    """The folder of part files (``part-<code>.parquet``), when the run wrote them."""
    partition_steps: dict[str, dict[str, float]] = field(default_factory=dict)
    """Seconds per step of each partition on its worker (see ``Partition.steps``)."""

    @property
    def departement(self) -> str:  # what the one-département outputs print
        return ", ".join(self.departements)


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int = 2,
                memory_limit: str = "3GB", quiet: bool = True,
                timeout_s: float = 30.0) -> Iterator[Any]:
    """A :class:`dask.distributed.Client`: on the scheduler at ``scheduler``
    (``tcp://host:8786``), else on a :class:`~dask.distributed.LocalCluster` of
    ``workers`` processes with one thread each and ``memory_limit`` each, stopped on exit."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout_s)
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}", hint="option",
                         hint_value="workers")
    import dask

    # The scheduler serves HTTP (metrics) even without a dashboard, on 8787 unless told:
    # a free port of 127.0.0.1, so two runs (or two test workers) never collide. A task
    # whose worker dies fails at once (allowed-failures 0): run_national's retries are
    # then the only bound on re-running it.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               memory_limit=memory_limit, dashboard_address="127.0.0.1:0",
                               scheduler_kwargs={"dashboard": False},
                               silence_logs=logging.ERROR if quiet else logging.WARNING)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def run_national(
    departements: Sequence[str],
    inputs: CameraInputs,
    *,
    bundle: str | Path | None = None,
    presets: Sequence[str] | None = None,
    client: Any = None,
    retries: int = RETRIES,
    progress: Progress | None = None,
    parts: str | Path | None = None,
) -> NationalResult:
    """The figures of every commune of ``departements`` (see the module docstring).

    Parameters
    ----------
    departements : codes
    inputs : CameraInputs
        The cameras and their sources.
    bundle : path, optional
        Offline bundle (default ``$GEOCOVER_BUNDLE``); without one, geo.api.gouv.fr.
    presets : names, optional
        Default :data:`geocover.model.fov.DEFAULT_PRESETS`.
    client : dask.distributed.Client, optional
        Where to run; None runs the same tasks in this process.
    retries : int
        Bounded retries of each task.
    parts : path, optional
        A folder for the part files, which the workers write and this process reads
        back (on a remote cluster: a path every worker and this process see, e.g. a
        shared file system). Its ``part-*.parquet`` of an earlier run are removed first.
        Without it, the partitions' tables come back through Dask.
    """
    from geocover.model import fov
    from geocover.schema.regions import check_departement

    start = time.perf_counter()
    presets = tuple(fov.DEFAULT_PRESETS if presets is None else presets)
    for name in presets:
        fov.get_preset(name)
    if retries < 0:
        raise UsageError(f"retries must be 0 or more, not {retries}", hint="option",
                         hint_value="retries")
    deps = list(dict.fromkeys(check_departement(d) for d in departements))
    if not deps:
        raise UsageError("no département to run")
    bundle_path = Path(bundle) if bundle is not None else settings.bundle_from_env()
    bundle_arg = str(bundle_path) if bundle_path is not None else None
    cameras = inputs.cameras.reset_index(drop=True)
    reach = largest_reach_m(cameras, presets)
    halo = max(reach, MATCH_HALO_M) if len(cameras) else 0.0
    folder = _prepare_parts(parts)
    parts_arg = str(folder) if folder is not None else None
    failures: list[tuple[str, str, str]] = []
    done_parts: dict[str, Partition] = {}
    attempts: dict[str, int] = {}
    t0 = time.perf_counter()

    def tick(parts_done: int, communes_done: int) -> None:
        if progress is not None:
            progress(parts_done, len(deps), communes_done, time.perf_counter() - start)

    if client is None:
        engine = "local (in this process)"
        loaded: dict[str, gpd.GeoDataFrame] = {}
        for dep in deps:
            loaded[dep] = load_communes(dep, bundle_arg)
        t_communes = time.perf_counter() - t0
        subsets = camera_subsets(cameras, {d: bounds_of(c) for d, c in loaded.items()}, halo)
        done = 0
        tick(0, 0)
        for dep in _largest_first(deps, subsets, {d: len(c) for d, c in loaded.items()}):
            attempts[dep] = 1
            done_parts[dep] = run_partition(dep, loaded.pop(dep), cameras.iloc[subsets[dep]],
                                            presets, inputs.sources, parts=parts_arg)
            done += done_parts[dep].rows
            tick(len(done_parts), done)
    else:
        engine = _describe(client)
        t_communes = _on_dask(client, deps, bundle_arg, cameras, halo, presets, inputs,
                              retries, failures, tick, parts_arg, done_parts, attempts)
    if folder is not None:
        _remove_temporaries(folder, deps)

    missing = [d for d in deps if d not in done_parts]
    if len(missing) == len(deps):
        reasons = "; ".join(f"{c}: {r}" for c, _, r in failures[:3])
        raise UsageError(f"every partition failed ({reasons})")
    t_partitions = time.perf_counter()
    frame = _assemble([done_parts[d] for d in deps if d in done_parts])
    t_assembled = time.perf_counter()
    for part in done_parts.values():
        failures.extend(part.failures)
    warnings = list(inputs.warnings)
    counted = sum(p.counted for p in done_parts.values())
    if len(cameras) > counted:
        warnings.append(f"{len(cameras) - counted} of {len(cameras)} camera(s) lie within no "
                        f"commune of the départements run (abroad, at sea, exactly on a "
                        f"border, or in a département not run): not counted")
    if missing:
        warnings.append(f"département(s) {', '.join(missing)} failed: see the failures")
    timings = {
        "communes_s": t_communes,
        "partitions_s": sum(p.seconds for p in done_parts.values()),
        "partitions_wall_s": t_partitions - t0 - t_communes,
        "assemble_s": t_assembled - t_partitions,
        "total_s": time.perf_counter() - start,
    }
    record = _provenance(done_parts, deps, inputs, presets, bundle_path, frame, engine, halo,
                         failures)
    record["partitions"] = [
        {"departement": d, "rows": p.rows, "seconds": round(p.seconds, 3),
         "attempts": attempts.get(d, 1), "worker": p.worker,
         "part": Path(p.path).name if p.path else None}
        for d, p in done_parts.items()]
    return NationalResult(deps, frame, presets, record, time.perf_counter() - start, warnings,
                          failures, timings, engine,
                          {d: round(p.seconds, 3) for d, p in done_parts.items()},
                          missing, attempts, folder,
                          {d: {k: round(v, 3) for k, v in p.steps.items()}
                           for d, p in done_parts.items()})


def _prepare_parts(parts: str | Path | None) -> Path | None:
    """The folder of parts, made (absolute: remote workers are told this path), without
    the part files of an earlier run."""
    if parts is None:
        return None
    folder = Path(parts).absolute()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is in the way of the folder of part files: it is not a "
                         "folder")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    return folder


def _remove_temporaries(folder: Path, deps: Sequence[str]) -> None:
    # Every task has ended: a temporary part left beside its target was a killed writer's.
    from geocover.io.atomic import remove_stale_temps

    for dep in deps:
        remove_stale_temps(part_path(folder, dep))


def _assemble(done: list[Partition]) -> gpd.GeoDataFrame:
    """The national table from the partitions' tables, or from their part files read one
    at a time (the geometries are not copied by the concatenation)."""
    frames = [p.frame if p.frame is not None else read_part(p.path or "") for p in done]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=settings.STORAGE_CRS)
    del frames
    return frame


def _largest_first(deps: Sequence[str], subsets: dict[str, Any], sizes: dict[str, int]
                   ) -> list[str]:
    # The partitions with many cameras take longest: start them first, so that no
    # worker is left with Paris at the end.
    return sorted(deps, key=lambda d: (-len(subsets.get(d, ())), -sizes.get(d, 0)))


def _describe(client: Any) -> str:
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(w.get("nthreads", 1) for w in workers.values())
    return (f"dask.distributed at {client.scheduler.address} ({len(workers)} workers, "
            f"{threads} threads)")


def _on_dask(client, deps, bundle_arg, cameras, halo, presets, inputs, retries, failures,
             tick, parts_arg, done_parts, attempts):
    from dask.distributed import as_completed

    t0 = time.perf_counter()
    loads = {dep: client.submit(load_communes, dep, bundle_arg, key=f"geocover-communes-{dep}",
                                retries=retries, pure=False) for dep in deps}
    boxes_f = {dep: client.submit(bounds_of, fut, key=f"geocover-bounds-{dep}",
                                  retries=retries, pure=False) for dep, fut in loads.items()}
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for dep, fut in boxes_f.items():
        try:
            boxes[dep] = fut.result()
        except Exception as exc:
            failures.append((dep, "", f"communes not loaded: {_reason(exc)}"))
    t_communes = time.perf_counter() - t0
    subsets = camera_subsets(cameras, boxes, halo)
    order = _largest_first(list(boxes), subsets, {})

    def submit(dep: str) -> Any:
        attempts[dep] = attempts.get(dep, 0) + 1
        return client.submit(run_partition, dep, loads[dep], cameras.iloc[subsets[dep]],
                             presets, inputs.sources, parts=parts_arg,
                             key=f"geocover-partition-{dep}-{attempts[dep]}", retries=0,
                             pure=False, priority=len(deps) - order.index(dep))

    futures = {submit(dep): dep for dep in order}
    done = 0
    tick(0, 0)
    pending = as_completed(list(futures))
    for fut in pending:
        dep = futures.pop(fut)
        try:
            part = fut.result()
        except Exception as exc:
            fut.release()
            if attempts[dep] <= retries:  # submitted again, under a new key
                again = submit(dep)
                futures[again] = dep
                pending.add(again)
                continue
            reason = (f"failed {attempts[dep]} time(s) ({retries} retries): {_reason(exc)}")
            try:
                communes = loads[dep].result()
                failures.extend((str(c), str(n), reason)
                                for c, n in zip(communes["code"], communes["name"], strict=True))
            except Exception:
                failures.append((dep, "", reason))
            continue
        fut.release()
        loads[dep].release()  # the worker may forget the communes
        done_parts[dep] = part
        done += part.rows
        tick(len(done_parts), done)
    for f in list(loads.values()) + list(boxes_f.values()):
        f.release()
    return t_communes


def _reason(exc: BaseException) -> str:
    if type(exc).__name__ == "KilledWorker":
        return f"the worker running it died or was lost (KilledWorker: {exc})"
    return f"{type(exc).__name__}: {exc}"


def _provenance(parts, deps, inputs, presets, bundle_path, frame, engine, reach, failures):
    files = []
    for dep in deps:
        part = parts.get(dep)
        if part is None:
            continue
        record = departement_source(dep, bundle_path)
        if record is not None:
            files += files_of([record])
    files += [file_record(p, "cameras", bundle=bundle_path) for p in inputs.files if p.is_file()]
    origins = "; ".join(sorted({p.source for p in parts.values()}))
    sources = [{"layer": "communes", "origin": origins,
                "retrieved": ", ".join(sorted({p.retrieved for p in parts.values()})),
                "attribution": "IGN – ADMIN EXPRESS (Licence Ouverte)", "count": len(frame)}]
    for source in inputs.sources:
        sources.append({"layer": "cameras", "origin": source.label, "key": source.key,
                        "column": source.column, "retrieved": "",
                        "attribution": _ATTRIBUTION.get(source.key, "as stated by each file"),
                        "count": inputs.counts.get(source.key, 0),
                        "looked_in": ("its bounding box" if source.extent_wkb else
                                      "the communes where it has a camera")
                        + (f" and départements {', '.join(source.departements)}"
                           if source.departements else "")})
    return build(
        files,
        presets=presets,
        sources=sources,
        layers={"cameras": content_sha256(inputs.cameras)},
        bundle=bundle_path,
        departements=deps,
        engine=engine,
        halo_m=reach,
        occlusion=False,
        failures=[{"code": c, "name": n, "reason": r} for c, n, r in failures],
        notes=[
            ("coverage: union of the fields of view inside each commune, not occluded by "
             "buildings (an upper bound for the cameras known)"),
            ("cameras_known: the largest count of a single source; NA = no camera known "
             "(no source looked there)"),
            ("camera_sites: the camera sites of every source, each once: cameras matched "
             "across sources (geocover.model.matching, distance by location precision: "
             "exact 10 m, crossing 20 m, street 30 m); NA where no source looked"),
            "cameras: camera sites listed, summed over the sources",
            ("area_km2 in each département's metric CRS (column crs); geodesic_area_km2 on "
             "the WGS 84 ellipsoid"),
        ],
    )


_ATTRIBUTION = {
    "osm": "© OpenStreetMap contributors (ODbL)",
    "list:paris-police-2025": "Préfecture de police de Paris",
    "list:sous-surveillance-net": "sous-surveillance.net",
}
