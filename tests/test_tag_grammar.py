"""One camera tag grammar: OSM data (parse_tags) and contributions (check_camera_tags)
read the same value the same way; a contribution refuses more only by its written policy.

The table is written by hand from the grammar in docs/cameras.md.
"""

from __future__ import annotations

import math

import pytest

from geocover.schema.contrib_tags import CONTRIBUTION_POLICY, check_camera_tags
from geocover.schema.contrib_vocab import MAX_CONTRIB_HEIGHT_M
from geocover.schema.tags import parse_tags

NAN = math.nan
OK, PROBLEM, POLICY = "ok", "problem", "policy"

#: key, value, schema column, expected reading, outcome (ok: both accept; problem: OSM
#: keeps it with a Problem and a contribution refuses it; policy: OSM accepts, a
#: contribution refuses by its policy).
TABLE = [
    ("camera:type", "fixed", "camera_type", "fixed", OK),
    ("camera:type", "Dome", "camera_type", "dome", OK),
    ("camera:type", " PANNING ", "camera_type", "panning", OK),
    ("camera:type", "static", "camera_type", "fixed", OK),
    ("camera:type", "Static", "camera_type", "fixed", OK),
    ("camera:type", "bullet", "camera_type", "unknown", PROBLEM),
    ("camera:type", "unknown", "camera_type", "unknown", POLICY),
    ("surveillance", "public", "surveillance", "public", OK),
    ("surveillance", "Outdoor", "surveillance", "outdoor", OK),
    ("surveillance", "private", "surveillance", None, PROBLEM),
    ("height", "5", "height_m", 5.0, OK),
    ("height", "4.5 m", "height_m", 4.5, OK),
    ("height", "6M", "height_m", 6.0, OK),
    ("height", "100", "height_m", 100.0, OK),
    ("height", "150", "height_m", 150.0, POLICY),
    ("height", "301", "height_m", NAN, PROBLEM),
    ("height", "0", "height_m", NAN, PROBLEM),
    ("height", "15'", "height_m", NAN, PROBLEM),
    ("height", "4,5", "height_m", NAN, PROBLEM),
    ("camera:angle", "15", "tilt_deg", 15.0, OK),
    ("camera:angle", "120", "tilt_deg", NAN, PROBLEM),
    ("camera:direction", "NE; 350-10", "directions", [(45.0, 45.0), (350.0, 10.0)], OK),
    ("camera:direction", "ne", "directions", [(45.0, 45.0)], OK),
    ("camera:direction", "370", "directions", [(10.0, 10.0)], OK),
    ("camera:direction", "90°", "directions", [], PROBLEM),
    ("direction", "W", "directions", [(270.0, 270.0)], OK),
    ("surveillance:type", "camera", "surveillance_type", "camera", OK),
    ("surveillance:type", "ALPR", "surveillance_type", "ALPR", OK),
    ("surveillance:type", "alpr", "surveillance_type", "alpr", OK),
    ("surveillance:type", "guard", "surveillance_type", "guard", POLICY),
    ("camera:mount", "pole", "mount", "pole", OK),
    ("camera:mount", "Wall", "mount", "Wall", OK),
    ("camera:mount", "lamp", "mount", "lamp", POLICY),
    ("start_date", "2019-05", "installed", "2019-05", OK),
    ("check_date", "2023-02-30", "check_date", None, PROBLEM),
]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize(("key", "value", "column", "expected", "outcome"), TABLE)
def test_same_value_same_reading_in_both_paths(key, value, column, expected, outcome):
    osm_fields, problems = parse_tags({key: value}, id="osm:node/1")
    contrib_fields, reasons = check_camera_tags({key: value})
    assert _same(osm_fields[column], expected)
    assert _same(contrib_fields[column], expected)
    assert bool(problems) == (outcome == PROBLEM)
    assert bool(reasons) == (outcome != OK)
    for reason in reasons:
        assert reason.startswith(f"{key}={value!r}")
    if outcome == PROBLEM:
        # the contribution says what the grammar said, without the default OSM data gets
        assert problems[0].error and problems[0].reason.startswith(problems[0].error)
        assert problems[0].error in reasons[0] or "out of range" in reasons[0]


def test_policy_is_written_down():
    assert len(CONTRIBUTION_POLICY) == 7
    assert f"a height above {MAX_CONTRIB_HEIGHT_M:g} m" in CONTRIBUTION_POLICY
    assert MAX_CONTRIB_HEIGHT_M == 100.0


def test_surveillance_date_checked_even_with_a_good_check_date():
    fields, problems = parse_tags({"check_date": "2024-01-01", "survey:date": "hier"})
    assert fields["check_date"] == "2024-01-01" and problems == []
    _, reasons = check_camera_tags({"check_date": "2024-01-01", "survey:date": "hier"})
    assert reasons == ["survey:date='hier': date 'hier' is not YYYY, YYYY-MM or YYYY-MM-DD"]


def test_reasons_keep_the_documented_order():
    _, reasons = check_camera_tags({"height": "tall", "surveillance": "private",
                                    "man_made": "mast"})
    assert [r.split("=")[0] for r in reasons] == ["man_made", "surveillance", "height"]
