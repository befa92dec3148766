"""Issue 12, data lost: an output path can never be a store, a configuration file or an
input of the same command; a slug cannot write outside maps/; a symlinked store is
written through; a failed write says the store stayed intact. Files generated here."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.hostile import BOX, DECREE, EMPTY, digest, geojson, make_city, one_line_error, run


@pytest.fixture
def city(tmp_path: Path, bundle: Path):
    data_dir = tmp_path / "data"
    folder = make_city(data_dir)
    args = ["metz", "--data-dir", data_dir, "--bundle", bundle]
    return folder, args


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "command,target",
    [
        (["report"], "city.toml"),
        (["report"], "perimeters.geojson"),
        (["map"], "perimeters.geojson"),
        (["map"], "cameras.geojson"),
        (["contrib", "export-osm"], "cameras.geojson"),
        (["contrib", "worklist"], "cameras"),  # PREFIX: writes cameras.geojson
        (["report"], "cameras.geojson.lock"),  # a lock replaced would no longer lock
    ],
)
def test_output_never_overwrites_a_store_or_the_configuration(command, target, city, capsys):
    folder, args = city
    before = _snapshot(folder)
    code, _out, err = run(capsys, *command, *args, "-o", folder / target)
    assert code == 2
    line = one_line_error(err)
    assert "would overwrite" in line and "nothing was written" in line
    assert _snapshot(folder) == before


def test_output_equal_to_an_input_is_refused(city, tmp_path, capsys):
    _folder, args = city
    perimeters = tmp_path / "p.geojson"
    perimeters.write_text(geojson([BOX]), encoding="utf-8")
    before = digest(perimeters)
    code, _, err = run(capsys, "report", *args, "--perimeters", perimeters, "-o", perimeters)
    assert code == 2 and "an input of this command" in one_line_error(err)
    assert digest(perimeters) == before
    # the same file through a symlink: resolved paths are compared
    link = tmp_path / "link.txt"
    link.symlink_to(perimeters)
    code, _, err = run(capsys, "report", *args, "--perimeters", perimeters, "-o", link)
    assert code == 2 and "an input of this command" in one_line_error(err)
    assert digest(perimeters) == before and link.is_symlink()


def test_rejects_equal_to_the_input_or_a_store_is_refused(city, tmp_path, capsys):
    folder, args = city
    rows = tmp_path / "in.csv"
    rows.write_text("lat,lon\n49.1196,6.1764\n99,99\n", encoding="utf-8")
    before = digest(rows), _snapshot(folder)
    for rejects in (rows, folder / "cameras.geojson", folder / "city.toml"):
        code, _, err = run(capsys, "contrib", "add", rows, *args, "--rejects", rejects)
        assert code == 2, err
        assert "--rejects" in one_line_error(err)
    assert (digest(rows), _snapshot(folder)) == before


def test_output_inside_the_bundle_is_refused(city, bundle, capsys, tmp_path):
    _, args = city
    code, _, err = run(capsys, "report", *args, "-o", bundle / "report.txt")
    assert code == 2 and "which this command reads" in one_line_error(err)
    assert not (bundle / "report.txt").exists()


@pytest.mark.parametrize(
    "command", [["report"], ["compliance"], ["figures"], ["batch"], ["contrib", "add"]]
)
def test_output_under_a_file_or_onto_a_folder(command, city, tmp_path, bundle, capsys):
    _folder, args = city
    a_file = tmp_path / "plain.txt"
    a_file.write_text("synthetic", encoding="utf-8")
    a_folder = tmp_path / "existing"
    a_folder.mkdir()
    rows = tmp_path / "in.csv"
    rows.write_text("lat,lon\n99,99\n", encoding="utf-8")
    if command == ["batch"]:
        base = ["batch", "-d", "57", "--bundle", bundle, "-o"]
        cases = [a_file / "out.gpkg", tmp_path / "existing.gpkg"]
        (tmp_path / "existing.gpkg").mkdir()
    elif command == ["contrib", "add"]:
        base = ["contrib", "add", rows, *args, "--rejects"]
        cases = [a_file / "rejects.csv", a_folder]
    elif command in (["compliance"], ["figures"]):
        base = [*command, *args, "--output-dir"]
        cases = [a_file / "sub", a_file]  # a file cannot be the output folder
    else:
        base = [*command, *args, "-o"]
        cases = [a_file / "report.txt", a_folder]
    for target in cases:
        code, _, err = run(capsys, *base, target)
        assert code == 2, (target, err)
        line = one_line_error(err)
        assert "is a file" in line or "is a folder" in line, line
    assert a_file.read_text(encoding="utf-8") == "synthetic"
    assert list(a_folder.iterdir()) == []


@pytest.mark.parametrize("slug", ["../../x", "/tmp/x", "a/b", ".."])
def test_a_slug_cannot_write_outside_maps(slug, tmp_path, bundle, capsys):
    data_dir = tmp_path / "data"
    make_city(data_dir, stores=False)
    toml = data_dir / "metz" / "city.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[city]\n", f'[city]\nslug = "{slug}"\n'),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "report", "metz", "--data-dir", data_dir, "--bundle", bundle)
    assert code == 2 and "city.slug" in one_line_error(err)
    # the same name as the CITY argument
    code, _, err = run(capsys, "map", slug, "--data-dir", data_dir, "--bundle", bundle)
    assert code == 2
    assert "not a city name" in one_line_error(err) or "no such city" in err


def test_symlinked_store_is_written_through(tmp_path, bundle, capsys):
    data_dir = tmp_path / "data"
    folder = make_city(data_dir, stores=False)
    real = tmp_path / "elsewhere" / "perimeters.geojson"
    real.parent.mkdir()
    real.write_text(EMPTY, encoding="utf-8")
    (folder / "perimeters.geojson").symlink_to(real)
    source = tmp_path / "decree.geojson"
    source.write_text(geojson([BOX]), encoding="utf-8")
    code, _out, err = run(
        capsys,
        "perimeters",
        "add",
        source,
        "metz",
        "--data-dir",
        data_dir,
        "--bundle",
        bundle,
        *DECREE,
    )
    assert code == 0, err
    assert (folder / "perimeters.geojson").is_symlink()
    import json

    assert len(json.loads(real.read_text(encoding="utf-8"))["features"]) == 1


def test_lock_path_that_is_a_folder(city, tmp_path, capsys):
    folder, args = city
    (folder / "cameras.geojson.lock").mkdir()
    rows = tmp_path / "in.csv"
    rows.write_text("lat,lon\n49.1196,6.1764\n", encoding="utf-8")
    before = _snapshot(folder)
    code, _, err = run(capsys, "contrib", "add", rows, *args)
    assert code == 2 and "is a folder" in one_line_error(err)
    assert _snapshot(folder) == before


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str = "64k"):
    """A tiny tmpfs mounted on ``folder`` (we run as root), or a skip saying why not."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_read_only_mount_keeps_the_store_and_says_so(tmp_path, bundle, capsys):
    """The city folder on a file system remounted read-only: one line, exit 2, intact."""
    with _tmpfs(tmp_path / "ro", "1m") as mount:
        data_dir = mount / "data"
        folder = make_city(data_dir)
        (folder / "perimeters.geojson.lock").touch()
        before = _snapshot(folder)
        done = subprocess.run(
            ["mount", "-o", "remount,ro", str(mount)], check=False, capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only ({done.stderr.strip()})")
        source = tmp_path / "decree.geojson"
        source.write_text(geojson([BOX]), encoding="utf-8")
        code, _, err = run(
            capsys,
            "perimeters",
            "add",
            source,
            "metz",
            "--data-dir",
            data_dir,
            "--bundle",
            bundle,
            *DECREE,
        )
        assert code == 2, err
        line = one_line_error(err)
        assert "Read-only file system" in line, line
        assert "was not changed" in line or "left as it was" in line, line
        assert _snapshot(folder) == before


def test_disk_full_keeps_the_store_and_says_so(tmp_path, bundle, capsys):
    """A tiny tmpfs (64 KiB) filled to the brim: the write fails, the store is intact."""
    with _tmpfs(tmp_path / "tiny") as mount:
        data_dir = mount / "data"
        folder = make_city(data_dir)
        filler = mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:  # fill the file system to the last block
            while os.write(fd, b"\0" * 1024):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        before = digest(folder / "perimeters.geojson")
        source = tmp_path / "decree.geojson"
        source.write_text(geojson([BOX]), encoding="utf-8")
        code, _, err = run(
            capsys,
            "perimeters",
            "add",
            source,
            "metz",
            "--data-dir",
            data_dir,
            "--bundle",
            bundle,
            *DECREE,
        )
        assert code == 2, err
        line = one_line_error(err)
        assert "No space left on device" in line and "left as it was" in line, line
        assert digest(folder / "perimeters.geojson") == before
        assert not list(folder.glob(".*.tmp"))
