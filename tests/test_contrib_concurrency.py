"""Concurrent ``contrib add`` processes lose nothing; a writer killed mid-write leaves the
old file intact and the lock free. Real processes (``python -m geocover``), real flock."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from geocover.errors import GeocoverError
from geocover.io import atomic as _lock
from geocover.sources.camera_files import load_contributions

ROOT = Path(__file__).resolve().parents[1]


def make_city(data_dir: Path) -> Path:
    folder = data_dir / "metz"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "city.toml").write_text('[city]\nname = "Metz"\ninsee = "57463"\n', encoding="utf-8")
    return folder


def write_points(path: Path, points: list[tuple[float, float]], camera_type: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["lat", "lon", "camera:type"])
        for lat, lon in points:
            writer.writerow([f"{lat:.6f}", f"{lon:.6f}", camera_type])
    return path


def spawn(*args: str, env: dict[str, str] | None = None,
          slow_write: float | None = None) -> subprocess.Popen[str]:
    """``python -m geocover ARGS`` in the background, offline, as conftest's run_cli does;
    with ``slow_write``, through ``tests/slow_write.py``: each atomic rename waits that many
    seconds first (after the temporary file is written and fsynced)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GEOCOVER_")}
    full_env.update({
        "GEOCOVER_GEO_API_URL": "http://127.0.0.1:9",
        "GEOCOVER_OVERPASS_URL": "http://127.0.0.1:9/api/interpreter",
        "GEOCOVER_BAN_URL": "http://127.0.0.1:9",
        "GEOCOVER_CACHE_DIR": tempfile.mkdtemp(prefix="geocover-cache-"),
        "GEOCOVER_LANG": "en",  # the suite reads English (conftest)
    })
    full_env.update(env or {})
    command = [sys.executable, "-m", "geocover"] if slow_write is None else \
        [sys.executable, str(ROOT / "tests" / "slow_write.py"), str(slow_write)]
    return subprocess.Popen([*command, *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def metz(tmp_path: Path, bundle: Path):
    data_dir = tmp_path / "data"
    folder = make_city(data_dir)
    return folder, ("metz", "--data-dir", str(data_dir), "--bundle", str(bundle))


def test_two_concurrent_adds_lose_nothing(metz, tmp_path):
    folder, args = metz
    # 20 cameras each, on two separate lines across the centre of Metz
    a = write_points(tmp_path / "a.csv", [(49.110 + i * 0.0004, 6.170) for i in range(20)], "fixed")
    b = write_points(tmp_path / "b.csv", [(49.110 + i * 0.0004, 6.180) for i in range(20)], "dome")
    # a slow write widens the read-modify-write window: without the lock one process would
    # read the file before the other replaced it, and one file's rows would be lost
    started = time.monotonic()
    first = spawn("contrib", "add", str(a), *args, slow_write=1)
    second = spawn("contrib", "add", str(b), *args, slow_write=1)
    outputs = [p.communicate(timeout=120) for p in (first, second)]
    elapsed = time.monotonic() - started
    assert first.returncode == 0 and second.returncode == 0, outputs
    for out, _ in outputs:
        assert "accepted 20, rejected 0, duplicates 0" in out
    cameras = load_contributions(folder / "cameras.geojson")
    assert len(cameras) == 40
    assert sorted(cameras["camera_type"].value_counts().items()) == [("dome", 20), ("fixed", 20)]
    assert elapsed >= 2.0  # the two slow writes took turns
    assert not list(folder.glob(".cameras.geojson.*.tmp"))


def test_killed_writer_leaves_old_file_and_frees_the_lock(metz, tmp_path):
    folder, args = metz
    target = folder / "cameras.geojson"
    first = spawn(
        "contrib", "add", str(write_points(tmp_path / "old.csv", [(49.115, 6.17)], "fixed")), *args
    )
    assert first.communicate(timeout=120) and first.returncode == 0
    before = digest(target)

    new = write_points(tmp_path / "new.csv", [(49.12, 6.175), (49.121, 6.175)], "dome")
    writer = spawn("contrib", "add", str(new), *args, slow_write=60)
    deadline = time.monotonic() + 60
    temps: list[Path] = []
    while time.monotonic() < deadline and not temps:
        temps = list(folder.glob(".cameras.geojson.*.tmp"))
        time.sleep(0.05)
    assert temps, "the writer never reached the write"
    # the temporary file is complete (fsynced) and the writer holds the lock
    sidecar = _lock.lock_path(target)
    with sidecar.open("a") as fh, pytest.raises(BlockingIOError):
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL

    assert digest(target) == before  # the old content, whole
    assert len(load_contributions(target)) == 1
    with sidecar.open("a") as fh:  # the kernel released the dead writer's lock
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fh, fcntl.LOCK_UN)

    again = spawn("contrib", "add", str(new), *args)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "accepted 2, rejected 0, duplicates 0" in out
    assert len(load_contributions(target)) == 3
    assert not list(folder.glob(".cameras.geojson.*.tmp"))  # the dead writer's leftover is gone


def test_lock_excludes_and_times_out(tmp_path):
    target = tmp_path / "cameras.geojson"
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with _lock.locked(target):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        # flock locks belong to open file descriptions: a second open in this process waits too
        with (pytest.raises(GeocoverError, match="is being written by another geocover process"),
              _lock.locked(target, timeout=0.3)):
            pass
    finally:
        release.set()
        thread.join()
    with _lock.locked(target, timeout=1):
        pass


def test_replace_atomic_keeps_mode_and_cleans_up_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "cameras.geojson"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    _lock.replace_atomic(target, b'{"new": true}')
    assert json.loads(target.read_text()) == {"new": True}
    assert target.stat().st_mode & 0o777 == 0o640

    def fail(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    # one line for the user (no traceback), saying the old file is intact
    with pytest.raises(GeocoverError, match=r"disk full.*the file was left as it was"):
        _lock.replace_atomic(target, b"never")
    assert json.loads(target.read_text()) == {"new": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cameras.geojson"]
