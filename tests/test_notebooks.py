"""The analysts' notebooks: committed without outputs, and executed here, offline, with
the bundle. Each notebook asserts its own figures against the report's JSON."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
NAMES = ["verify_metz", "sensitivity", "national", "sources_paris"]


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    nb = _read(name)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], (
                f"{name}: a cell has saved outputs; rebuild with notebooks/_build.py"
            )
            assert cell.execution_count is None, f"{name}: a cell has an execution count"


def test_notebooks_match_their_generator():
    """The .ipynb files are what notebooks/_build.py writes (cell sources compared)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_build", NOTEBOOKS / "_build.py")
    build = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(build)
    for name, cells in (("verify_metz", build.VERIFY_METZ), ("sensitivity", build.SENSITIVITY),
                        ("national", build.NATIONAL), ("sources_paris", build.SOURCES_PARIS)):
        committed = [(c.cell_type, c.source) for c in _read(name).cells]
        assert committed == [(c.cell_type, c.source) for c in cells], \
            f"{name}.ipynb is stale: run python notebooks/_build.py"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_offline(name, bundle, tmp_path, monkeypatch):
    # The kernel inherits this environment: the bundle, a private HTTP cache, and
    # unreachable live sources, so nothing can leave the machine.
    monkeypatch.setenv("GEOCOVER_BUNDLE", str(bundle))
    monkeypatch.setenv("GEOCOVER_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("GEOCOVER_GEO_API_URL", "GEOCOVER_BAN_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.setenv("GEOCOVER_OVERPASS_URL", "http://127.0.0.1:9/api/interpreter")
    monkeypatch.delenv("GEOCOVER_DATA_DIR", raising=False)
    if name == "national":
        # The national table on a few départements, built as a user would (see the notebook).
        from tests.conftest import run_cli

        table = tmp_path / "national.parquet"
        done = run_cli("batch", "--departement", "75", "92", "37", "--bundle", str(bundle),
                       "--preset", "sunders", "factsheet-300m-reach", "--engine", "local", "-q",
                       "-o", str(table), "--data-dir", str(tmp_path))
        assert done.returncode == 0, done.stderr
        monkeypatch.setenv("GEOCOVER_NATIONAL_TABLE", str(table))
    nb = _read(name)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    # The kernel, another process, read the bundle it was given (each notebook prints it).
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    assert f"bundle: {bundle.resolve()}\n" in printed
    if name == "sensitivity":
        images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if "image/png" in o.get("data", {})]
        assert images, "the sensitivity plot was not drawn"
    # Executing never writes back: the committed notebook stays without outputs.
    assert all(not c.get("outputs") for c in _read(name).cells if c.cell_type == "code")

