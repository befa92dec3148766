"""One reader (geocover.io.tables) behind --cameras files, contributions and official
lists: the same bytes give the same columns, coordinates and reasons on every path.

Every file here is synthetic, written by the test (labelled synthetic in its name).
"""

from __future__ import annotations

import codecs

import pytest
import shapely

from geocover.errors import DataError
from geocover.io.contributions import read_contribution
from geocover.schema.vocab import LAT_NAMES, LON_NAMES
from geocover.sources.camera_files import load_cameras_file
from geocover.sources.geocoder import read_list


def test_one_vocabulary_of_coordinate_columns():
    assert LAT_NAMES == ("lat", "latitude", "y")
    assert LON_NAMES == ("lon", "lng", "long", "longitude", "x")


@pytest.mark.parametrize("lon_name", ["lon", "lng", "Long", "longitude", "X"])
def test_long_and_friends_everywhere(tmp_path, lon_name):
    # a French spreadsheet export: BOM, ';', decimal commas
    path = tmp_path / "synthetic-cameras.csv"
    text = f"Lat;{lon_name};camera:type\n49,1196;6,1764;dome\n49,1150;6,1700;fixed\n"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    cameras, _ = load_cameras_file(path)
    points = list(cameras.geometry)
    assert [(p.x, p.y) for p in points] == [(6.1764, 49.1196), (6.17, 49.115)]
    assert cameras["camera_type"].tolist() == ["dome", "fixed"]
    contribution = read_contribution(path)
    assert contribution.lon_column == lon_name and contribution.lat_column == "Lat"
    assert [(r.lon, r.lat) for r in contribution.rows] == [("6,1764", "49,1196"),
                                                            ("6,1700", "49,1150")]
    assert isinstance(points[0], shapely.Point)


def _reason(call, *args) -> DataError:
    with pytest.raises(DataError) as info:
        call(*args)
    return info.value


def test_same_bytes_same_reason_on_every_path(tmp_path):
    latin1 = tmp_path / "synthetic-latin1.csv"
    latin1.write_bytes("lat,lon,name\n49.12,6.17,caméra\n".encode("latin-1"))
    reasons = {_reason(call, latin1).reason
               for call in (load_cameras_file, read_contribution, read_list)}
    assert reasons == {"not UTF-8 text (byte 0xe9 on line 2): save it as UTF-8"}
    # the readers that take an encoding say so with a hint kind (the CLI names its option)
    assert _reason(read_contribution, latin1).hint == "encoding_8bit"
    assert _reason(read_list, latin1).hint == "encoding_8bit"
    assert _reason(load_cameras_file, latin1).hint is None
    empty = tmp_path / "synthetic-empty.csv"
    empty.write_bytes(b"  \n")
    for call in (load_cameras_file, read_contribution, read_list):
        error = _reason(call, empty)
        assert (error.reason, error.path, error.row) == ("the file is empty", str(empty), None)


def test_row_and_file_in_the_reason(tmp_path):
    ragged = tmp_path / "synthetic-ragged.csv"
    ragged.write_text("lat;lon\n49.12;6.17\n49.13;6.18;oops\n", encoding="utf-8")
    error = _reason(load_cameras_file, ragged)
    assert (error.path, error.row) == (str(ragged), 3)
    assert error.reason == "3 values for 2 columns (check the delimiter ';' and the quoting)"
    # a contribution keeps going and gives the row its reason instead
    rows = read_contribution(ragged).rows
    assert [r.number for r in rows] == [2, 3]
    assert rows[1].problem == error.reason
    twice = tmp_path / "synthetic-twice.csv"
    twice.write_text("lat,lat,lon\n1,2,3\n", encoding="utf-8")
    for call in (load_cameras_file, read_contribution, read_list):
        error = _reason(call, twice)
        assert (error.reason, error.row) == ("column 'lat' appears twice in the header", 1)
