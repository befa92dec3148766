"""Shared fixtures: the real offline bundle, an isolated HTTP cache, the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from geocover import settings

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(os.environ.get("GEOCOVER_TEST_BUNDLE", ROOT.parent / "shared" / "data"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    import geopandas
    import pyogrio
    import shapely

    return [
        f"bundle: {BUNDLE} ({'present' if BUNDLE.is_dir() else 'MISSING'})",
        f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"geopandas {geopandas.__version__}, GDAL {pyogrio.__gdal_version_string__}",
        f"chromium: {shutil.which('chromium') or 'missing'}",
    ]


@pytest.fixture(scope="session")
def bundle() -> Path:
    """The real offline data (../shared/data). Tests read it in place, never copy it."""
    if not BUNDLE.is_dir():
        pytest.fail(f"the offline bundle {BUNDLE} is missing: clone the project beside ../shared")
    return BUNDLE


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own HTTP cache, no back-off sleeps, and no bundle from the
    environment (a test that wants one passes it)."""
    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path_factory.mktemp("http-cache"))
    monkeypatch.setattr(settings, "BACKOFF", 0.0)
    monkeypatch.setattr(settings, "TIMEOUT", 5.0)
    monkeypatch.delenv(settings.BUNDLE_ENV, raising=False)
    # Any live request a test forgets to point at a local server fails fast instead of
    # leaving the machine.
    monkeypatch.setattr(settings, "GEO_API_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(settings, "OVERPASS_URL", "http://127.0.0.1:9/api/interpreter")
    monkeypatch.setattr(settings, "BAN_URL", "http://127.0.0.1:9")


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m geocover ARGS`` in a real process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GEOCOVER_")}
    full_env["GEOCOVER_GEO_API_URL"] = "http://127.0.0.1:9"
    full_env["GEOCOVER_OVERPASS_URL"] = "http://127.0.0.1:9/api/interpreter"
    full_env["GEOCOVER_BAN_URL"] = "http://127.0.0.1:9"
    full_env["GEOCOVER_CACHE_DIR"] = tempfile.mkdtemp(prefix="geocover-cache-")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "geocover", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=timeout,
    )


@pytest.fixture
def cli():
    """``cli("report", "--bundle", ...)`` → CompletedProcess (stdout, stderr, returncode)."""
    return run_cli
