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
# The suite reads English, module- and session-scoped fixtures included (they run before
# the per-test _isolated); a test of the French output asks for it.
os.environ["GEOCOVER_LANG"] = "en"
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
    """Every test gets its own caches (HTTP, coverage), no back-off sleeps, and no bundle from the
    environment (a test that wants one passes it)."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr(settings, "CACHE_DIR", cache)
    # And for the processes a test starts (notebook kernels): the HTTP and coverage
    # caches never go to the home folder.
    monkeypatch.setenv("GEOCOVER_CACHE_DIR", str(cache))
    monkeypatch.setattr(settings, "BACKOFF", 0.0)
    monkeypatch.setattr(settings, "TIMEOUT", 5.0)
    monkeypatch.delenv(settings.BUNDLE_ENV, raising=False)
    # The suite reads English unless a test asks for a language (French is the default
    # for readers: tests of the French output pass lang="fr" or unset this).
    monkeypatch.setenv("GEOCOVER_LANG", "en")
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
    # As in _isolated; pass env={"GEOCOVER_LANG": ""} for the default language.
    full_env["GEOCOVER_LANG"] = "en"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "geocover", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=timeout,
    )


#: Environment variables settings.py reads at import time, and the setting each sets.
ENV_SETTINGS: dict[str, tuple[str, type]] = {
    "GEOCOVER_GEO_API_URL": ("GEO_API_URL", str),
    "GEOCOVER_OVERPASS_URL": ("OVERPASS_URL", str),
    "GEOCOVER_BAN_URL": ("BAN_URL", str),
    "GEOCOVER_TIMEOUT": ("TIMEOUT", float),
    "GEOCOVER_CACHE_DIR": ("CACHE_DIR", Path),
    "GEOCOVER_CACHE_MAX_AGE_DAYS": ("CACHE_MAX_AGE_DAYS", float),
}


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``cli("report", "--bundle", ...)`` → CompletedProcess (stdout, stderr, returncode),
    run in this process by :func:`geocover.cli.main` (a fresh process costs 1.5 to 2 s of
    imports and tells nothing more). ``env`` sets environment variables and the settings
    read from them at import time; ``cwd`` the working folder. Tests of what only a
    process shows (the console script, signals, exit codes of the interpreter, two
    writers at once) use :func:`run_cli`."""
    from geocover.cli.main import main

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        del timeout  # a real process only
        capsys.readouterr()  # what the test printed before is not the command's
        with monkeypatch.context() as patch:
            patch.chdir(cwd or ROOT)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
                if name in ENV_SETTINGS:
                    attribute, kind = ENV_SETTINGS[name]
                    patch.setattr(settings, attribute, kind(value))
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["geocover", *args], code, out, err)

    return run


@pytest.fixture
def cli_process():
    """``cli_process(...)``: like ``cli``, in a real ``python -m geocover`` process."""
    return run_cli
