"""Size and load time of the HTML map: Paris, 3,748 cameras with their fields of view.

Real data, read in place from the offline bundle (``$GEOCOVER_BUNDLE`` or
``../shared/data``): the Paris boundary, the police plan's 1,389 sites (c. 2013) and the
OSM extract's cameras.
For each preset selection the map is built (timed), written, and loaded in Debian's
chromium with the network shut (tests/browser.py); the load time is from navigation
to ``window.geocover.ready`` (the page's script has built every layer), measured by the
browser's own clock, best of ``--repeat`` loads.

    .venv/bin/python -m benchmarks.map_size [--repeat 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from geocover.outputs.webmap.build import write_map

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.workloads import bundle_dir  # noqa: E402
from geocover.model.presets import DEFAULT_PRESETS  # noqa: E402
from geocover.pipeline.analysis import analyse  # noqa: E402
from tests.browser import chromium, close_page, open_page  # noqa: E402

CASES = {
    "1 preset (sunders)": ("sunders",),
    f"all {len(DEFAULT_PRESETS)} presets": DEFAULT_PRESETS,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the maps in this folder")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="geocover-map-size-"))
    out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    analysis = analyse(insee="75056", bundle=bundle_dir(), lists=["paris-pvpp2013"],
                       presets=list(DEFAULT_PRESETS))
    print(f"analyse (Paris, {len(analysis.cameras):,} cameras, {len(DEFAULT_PRESETS)} presets): "
          f"{time.perf_counter() - t0:.1f} s")
    rows = []
    with chromium() as browser:
        for label, presets in CASES.items():
            for tiles in ("none", "osm"):
                path = out / f"paris-{len(presets)}-{tiles}.html"
                t0 = time.perf_counter()
                write_map(analysis, path, tiles=tiles, presets=presets, report=False)
                build = time.perf_counter() - t0
                loads = []
                for _ in range(args.repeat):
                    page, traffic = open_page(browser, path, tile_hosts=("tile.openstreetmap.org",))
                    problems = traffic.problems()
                    loads.append(page.evaluate("() => geocover.readyAt"))
                    close_page(page)
                    if problems:
                        raise SystemExit(f"{path}: {problems}")
                rows.append((label, tiles, path.stat().st_size, build, min(loads)))
    print(f"{'map':<22} {'tiles':<5} {'size':>9} {'build':>7} {'load (ready)':>13}")
    for label, tiles, size, build, load in rows:
        print(f"{label:<22} {tiles:<5} {size / 1e6:7.2f} MB {build:6.2f} s {load / 1000:11.2f} s")
    print(f"(maps in {out}; chromium headless, software rendering, network shut)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
