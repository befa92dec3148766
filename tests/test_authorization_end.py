"""One authorization-end rule: the perimeter layer, the compliance tables, the map and the
report give the same status for the same perimeter.

The perimeters are synthetic squares (generated here, labelled synthetic) inside the real
Metz boundary of the offline bundle. The expected end dates are worked out by hand below:
a decree of 2010-01-01 without ``valid_until`` ends 2015-01-01 (five years, CSI art.
L252-4), before TODAY; a decree of 2023-03-01 ends 2028-03-01, after TODAY.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely

from geocover import analyse
from geocover.outputs import report
from geocover.outputs.webmap.layers import _perimeter_layer
from geocover.schema.perimeters import (
    BASIS_ASSUMED,
    BASIS_STATED,
    BASIS_UNKNOWN,
    authorization_basis,
    authorization_end,
    status_of,
)
from geocover.verdicts.compliance import authorization_table
from tests.helpers import write_layer

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(scope="module")
def analysis(bundle, tmp_path_factory):
    folder = tmp_path_factory.mktemp("authorization")
    metz = analyse("metz", bundle=bundle)
    centre = metz.commune.to_crs("EPSG:2154").geometry.iloc[0].representative_point()

    def square(dx: float) -> shapely.Polygon:
        x, y = centre.x + dx, centre.y
        return shapely.box(x - 50, y - 50, x + 50, y + 50)

    path = write_layer(folder / "synthetic-perimeters.geojson", [
        {"id": "SYN-2010", "name": "synthetic decree 2010", "decree_date": "2010-01-01",
         "geometry": square(0)},
        {"id": "SYN-recent", "name": "synthetic recent decree", "decree_date": "2023-03-01",
         "geometry": square(200)},
        {"id": "SYN-undated", "name": "synthetic undated", "geometry": square(400)},
    ])
    return analyse("metz", bundle=bundle, perimeters=path, today=TODAY, lang="en")


def test_the_rule_by_hand():
    assert authorization_end("2010-01-01", None) == dt.date(2015, 1, 1)
    assert authorization_end(dt.date(2010, 1, 1), "2011-02-03") == dt.date(2011, 2, 3)
    assert authorization_end(None, None) is None
    assert authorization_end("2020-02-29", None) == dt.date(2025, 2, 28)
    assert [status_of("2010-01-01", None, TODAY), status_of("2023-03-01", None, TODAY),
            status_of(None, None, TODAY)] == ["expired", "valid", "unknown"]
    assert status_of("2020-06-15", None, TODAY) == "valid"  # ends today: valid today
    assert status_of("2020-06-14", None, TODAY) == "expired"
    assert [
        authorization_basis("2010-01-01", "2012-01-01"),
        authorization_basis("2010-01-01", None),
        authorization_basis(None, None),
    ] == [BASIS_STATED, BASIS_ASSUMED, BASIS_UNKNOWN]


def test_layer_tables_map_and_report_agree(analysis):
    # the layer
    frame = analysis.perimeters.frame
    layer = dict(zip(frame["id"], frame["status"], strict=True))
    assert layer == {"SYN-2010": "expired", "SYN-recent": "valid", "SYN-undated": "unknown"}
    # the compliance tables (valid authorizations beyond six months are not listed)
    table = authorization_table(analysis.perimeters.frame, today=TODAY).frame.set_index("id")
    assert dict(table["status"]) == {"SYN-2010": "expired", "SYN-undated": "undated"}
    assert table.loc["SYN-2010", "valid_until"] == "2015-01-01"
    # the map: the status that picks the colour, and the end date in the popup
    layer_js = _perimeter_layer(analysis)
    assert layer_js is not None
    features = {f["r"][0][1]: f for f in json.loads(layer_js.data_js)}
    assert {k: f["s"] for k, f in features.items()} == layer
    rows = {r[0]: r[1] for r in features["SYN-2010"]["r"]}
    assert rows["valid until"] == "2015-01-01 (decree date + 5 years)"
    assert rows["status"] == "expired"
    assert "valid until" not in {r[0] for r in features["SYN-undated"]["r"]}
    # the report
    data = report.to_dict(analysis)
    assert data["perimeters"]["by_status"] == {"expired": 1, "valid": 1, "unknown": 1}
    rows = {r["id"]: r for r in data["compliance"]["authorizations"]["rows"]}
    assert rows["SYN-2010"]["status"] == "expired"
    assert rows["SYN-2010"]["valid_until"] == "2015-01-01"
    assert any("SYN-2010 expired on 2015-01-01 (decree date + 5 years)" in w
               for w in analysis.perimeters.warnings)
