"""The library speaks no CLI: errors carry structured fields and a hint kind, the CLI
says which option to use; progress and diagnostics go through logging, not print."""

from __future__ import annotations

import ast
import logging
import re
import threading
from pathlib import Path

import pytest

from geocover.cli import hints
from geocover.cli.main import main
from geocover.errors import HINTS, DataError, GeocoverError, SourceError, UsageError
from geocover.io import atomic
from geocover.sources.perimeters import load_perimeters
from tests.helpers import l93_box, write_layer

PACKAGE = Path(__file__).resolve().parents[1] / "geocover"
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")


def _message_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """The string pieces of every raise, and of every call building an error or a
    rejected row (``…Error(…)``, ``Reject(…)``)."""
    found: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Raise) and node.exc is not None:
            targets.append(node.exc)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name.endswith("Error") or name == "Reject":
                targets.append(node)
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    found[id(sub)] = (sub.lineno, sub.value)
    return sorted(found.values())


def test_no_library_message_names_a_command_line_option():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
                      for line, text in _message_strings(tree) if FLAG.search(text)]
    assert offenders == []


def test_the_scan_finds_a_flag_when_there_is_one():
    tree = ast.parse('raise UsageError("pass --bundle DIR")\nx = Reject(1, "use --merge")')
    assert [text for _, text in _message_strings(tree) if FLAG.search(text)] == [
        "pass --bundle DIR", "use --merge"]


def test_every_hint_kind_is_documented_and_phrased():
    assert set(hints.SUFFIXES) | {"option"} == set(HINTS)


def test_a_file_without_crs_names_file_reason_and_hint(tmp_path, capsys, bundle):
    # GeoJSON always has a CRS (RFC 7946): a shapefile without .prj is the real case.
    import warnings

    import geopandas as gpd

    shp = tmp_path / "synthetic-no-crs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided": the point
        gpd.GeoDataFrame({"id": ["SYN"]}, geometry=[l93_box(0, 0, 1, 1)]).to_file(shp)
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(DataError) as info:
        load_perimeters(shp)
    error = info.value
    assert (error.path, error.row, error.hint) == (str(shp), None, "assume_crs")
    assert "declares no CRS" in error.reason and "--" not in str(error)
    assert main(["report", "metz", "--bundle", str(bundle), "--perimeters", str(shp)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"geocover: error: {error}, or pass --assume-crs EPSG:XXXX if you know it")


def test_an_invalid_polygon_points_to_repair(tmp_path, capsys, bundle):
    bowtie = __import__("shapely").Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    path = write_layer(tmp_path / "synthetic-bowtie.geojson",
                       [{"id": "SYN", "geometry": l93_box(0, 0, 1, 1)},
                        {"id": "SYN-2", "geometry": bowtie}])
    with pytest.raises(DataError) as info:
        load_perimeters(path)
    assert (info.value.row, info.value.hint) == (1, "on_invalid")
    assert main(["report", "metz", "--bundle", str(bundle), "--perimeters", str(path)]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "fix it in your editor, or pass --on-invalid repair to repair it with make_valid")


def test_parameter_names_become_their_options():
    error = UsageError("valid_until 2019-01-01 is before decree_date 2020-01-01", hint="option",
                       hint_value="valid_until,decree_date")
    assert hints.message(error) == "--valid-until 2019-01-01 is before --decree-date 2020-01-01"
    # a word that merely contains the name is left alone
    assert hints.phrase("workers_total and workers", "option", "workers") == \
        "workers_total and --workers"


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--decree-ref", " ", "geocover: error: --decree-ref is required: the decree's reference"),
    ("--decree-date", "2020-13-01",
     "geocover: error: --decree-date '2020-13-01' is not a date (write YYYY-MM-DD)"),
])
def test_perimeters_add_says_the_option(option, value, said, tmp_path, capsys):
    args = {"--decree-ref": "synthetic", "--decree-date": "2020-01-01", option: value}
    argv = ["perimeters", "add", str(tmp_path / "synthetic.geojson"), "metz"]
    for key, val in args.items():
        argv += [key, val]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith(said)


def test_offline_hint(monkeypatch):
    error = SourceError("geo.api.gouv.fr commune 57463: cannot reach http://127.0.0.1:9",
                        hint="bundle")
    assert hints.message(error).endswith("; use --bundle DIR to work offline")
    assert hints.message(GeocoverError("plain")) == "plain"


def test_waiting_for_a_lock_is_logged_not_printed(tmp_path, caplog, capsys):
    target = tmp_path / "cameras.geojson"
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with atomic.locked(target):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        with (caplog.at_level(logging.WARNING, logger="geocover"),
              pytest.raises(GeocoverError, match="being written by another"),
              atomic.locked(target, timeout=1.3)):
            pass
    finally:
        release.set()
        thread.join()
    assert [r.getMessage() for r in caplog.records] == [
        f"waiting for another geocover process writing {target}…"]
    assert caplog.records[0].name == "geocover.io"
    assert capsys.readouterr() == ("", "")


def test_batch_progress_goes_to_the_log(bundle, caplog, capsys):
    from geocover.pipeline.batch import run_batch

    with caplog.at_level(logging.INFO, logger="geocover"):
        run_batch("57", bundle=bundle, presets=[], progress_every=400)
    lines = [r.getMessage() for r in caplog.records if r.name == "geocover.batch"]
    assert [line.split(" communes")[0] for line in lines] == ["400/727", "727/727"]
    assert capsys.readouterr() == ("", "")


def test_no_test_hook_in_production_code():
    for path in PACKAGE.rglob("*.py"):
        assert "GEOCOVER_TEST" not in path.read_text(encoding="utf-8"), path
