"""The map's quick readers of camera cells give what the slow ones they replace give:
``_blank`` is ``is_blank(containers=True)``, ``_records`` is ``to_dict("records")``
without the geometry."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geocover.outputs.webmap.encode import _blank, _records
from geocover.schema.blank import is_blank


class _Text(str):
    pass


CELLS = [
    None, "", " ", "\t\n", "a", " a ", "0", 0, 1, -3, 0.0, 1.5, math.nan, -math.nan, math.inf,
    True, False, [], [1], (), (0,), {}, {"a": 1}, set(), {1}, np.nan, np.float64(np.nan),
    np.float64(2.0), np.float32(np.nan), np.int64(0), np.bool_(False), pd.NA, pd.NaT,
    pd.Timestamp("2020-01-01"), dt.date(2020, 1, 1), Decimal("NaN"), Decimal("1"),
    np.array([]), np.array([1, 2]), _Text(""), _Text("x"), b"", object(),
]


@pytest.mark.parametrize("value", CELLS,
                         ids=[f"{i}-{type(v).__name__}" for i, v in enumerate(CELLS)])
def test_blank_is_is_blank_with_containers(value):
    assert _blank(value) == is_blank(value, containers=True)


def _frame():
    n = 5
    frame = gpd.GeoDataFrame({
        "id": ["osm:node/1", "list:x:2", "contrib:3", None, "osm:way/4"],
        "height_m": [3.0, np.nan, 4.5, 2.0, np.nan],
        "count": np.arange(n, dtype=np.int64),
        "flag": [True, False, True, True, False],
        "nullable": pd.array([1, None, 3, None, 5], dtype="Int64"),
        "text": pd.array(["a", None, "c", "d", None], dtype="string"),
        "mixed": pd.Series([np.float64(1.5), np.int64(2), np.bool_(True), "x", None],
                           dtype=object),
        "directions": [[], [[0.0, 90.0]], [], [[10.0, 10.0]], []],
        "tags": [{}, {"k": "v"}, {"n": 1}, {}, {"a": None}],
        "when": pd.to_datetime(["2020-01-01", None, "2021-05-06", "2019-02-01", None]),
        "installed": ["2019", None, "2020-02", None, "2021-03-04"],
    }, geometry=shapely.points(np.arange(n), np.arange(n)), crs="EPSG:4326")
    frame["other_shape"] = shapely.points(np.zeros(n), np.zeros(n))  # not the active one
    return frame


def _same(a, b):
    """Equal, and of the same type, cell by cell (NaN equal to NaN)."""
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert list(ra) == list(rb)
        for key in ra:
            x, y = ra[key], rb[key]
            assert type(x) is type(y), (key, x, y)
            if isinstance(x, float) and math.isnan(x):
                assert math.isnan(y)
            elif x is pd.NA or x is pd.NaT:
                assert y is x
            else:
                assert x == y, (key, x, y)


def test_records_are_to_dict_records_without_the_geometry():
    frame = _frame()
    expected = [{k: v for k, v in row.items() if k != "geometry"}
                for row in frame.to_dict("records")]
    _same(_records(frame), expected)
    _same(_records(frame.iloc[[3, 1]]), expected[3:4] + expected[1:2])
    assert _records(frame.iloc[:0]) == []
    assert _records(frame[["geometry"]]) == [{}] * len(frame)
    plain = pd.DataFrame(frame.drop(columns=["geometry", "other_shape"]))
    _same(_records(plain), [{k: v for k, v in row.items() if k != "other_shape"}
                            for row in expected])
