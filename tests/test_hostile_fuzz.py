"""Issue 12 fuzz test: mutated GeoJSON and CSV fed to ``perimeters add``, ``contrib add``
and ``report --perimeters`` (in-process, through :func:`geocover.cli.main`).

Each example must end with a documented exit code (0, or 2 for an unusable file; ``contrib
add`` may say 1 when every row was rejected) and never a traceback (an uncaught exception
fails the example, and hypothesis shrinks it to the smallest input); on any exit but 0
the stores' bytes are unchanged. The seeds are synthetic boxes and rows in the centre of
Metz, generated here. The number of examples is bounded (``FUZZ_EXAMPLES`` each)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pytest
import shapely.geometry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import BOX, BOX2, DECREE, EMPTY, digest, make_city, run

#: Examples per command (three commands): bounded so the whole module stays near 30 s.
FUZZ_EXAMPLES = int(os.environ.get("GEOCOVER_FUZZ_EXAMPLES", "25"))

SEED_GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "zone A", "id": "a"},
     "geometry": shapely.geometry.mapping(BOX)},
    {"type": "Feature", "properties": {"name": "zone B", "id": "b"},
     "geometry": shapely.geometry.mapping(BOX2)},
]}
SEED_GEOJSON = json.loads(json.dumps(SEED_GEOJSON))  # tuples → lists, as in a file
SEED_CSV = [["lat", "lon", "camera:type", "camera:direction", "height", "surveillance"],
            ["49.1196", "6.1764", "fixed", "90", "5", "public"],
            ["49,1100", "6,1800", "dome", "", "4,5", "outdoor"]]

WEIRD_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
    st.text(max_size=12), st.none(), st.booleans(), st.just([]), st.just({}),
    st.sampled_from([930000.0, 6880000.0, 1e308, -1e308, 181.0, 91.0, "\u0000", "NaN",
                     "Infinity", "<img src=x onerror=alert(1)>", "{{ 7*7 }}"]),
)
WEIRD_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "nan", "inf", "-inf", "1e400", "5,5", "49,1196", "\u0000", ";", ",",
                     '"', "\n", "\ufeff", "é", "9" * 400]),
)


def _paths(data):  # type: ignore[no-untyped-def]
    """Every (container, key) of a JSON document, for mutation."""
    out = []

    def walk(node):  # type: ignore[no-untyped-def]
        if isinstance(node, dict):
            for key in list(node):
                out.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for index in range(len(node)):
                out.append((node, index))
                walk(node[index])
    walk(data)
    return out


@st.composite
def mutated_geojson(draw) -> bytes:  # type: ignore[no-untyped-def]
    data = json.loads(json.dumps(SEED_GEOJSON))
    for _ in range(draw(st.integers(1, 4))):
        places = _paths(data)
        if not places:
            break
        node, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "delete", "nest", "type"]))
        if action == "replace":
            node[key] = draw(WEIRD_VALUES)
        elif action == "delete" and isinstance(node, dict):
            del node[key]
        elif action == "delete" and isinstance(node, list) and key < len(node):
            node.pop(key)
        elif action == "nest":
            node[key] = [[[node[key]]]]
        else:
            node[key] = draw(st.sampled_from(["Point", "LineString", "Feature", "Polygon",
                                              "MultiPolygon", "GeometryCollection", "Topology"]))
    text = json.dumps(data, allow_nan=True).encode("utf-8")
    cut = draw(st.one_of(st.none(), st.integers(0, max(0, len(text) - 1))))
    if cut is not None and draw(st.booleans()):
        text = text[:cut]                                  # a truncated download
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.binary(max_size=40)) + text          # junk in front
    return text


@st.composite
def mutated_csv(draw) -> bytes:  # type: ignore[no-untyped-def]
    rows = [list(r) for r in SEED_CSV]
    for _ in range(draw(st.integers(1, 5))):
        r = draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            continue
        c = draw(st.integers(0, len(rows[r]) - 1))
        action = draw(st.sampled_from(["replace", "drop", "extra", "dup-row"]))
        if action == "replace":
            rows[r][c] = draw(WEIRD_TEXT)
        elif action == "drop":
            rows[r].pop(c)
        elif action == "extra":
            rows[r].append(draw(WEIRD_TEXT))
        else:
            rows.append(list(rows[r]))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    text = "\n".join(sep.join(row) for row in rows) + "\n"
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"])),
                       errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


class _City:
    """A test city on the real Metz boundary, with seeded stores reset before each example."""

    def __init__(self, bundle: Path) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="geocover-fuzz-"))
        self.data_dir = self.root / "data"
        self.folder = make_city(self.data_dir)
        self.args = ["metz", "--data-dir", self.data_dir, "--bundle", bundle]
        stored = json.loads(EMPTY)
        stored["features"] = [dict(SEED_GEOJSON["features"][1], properties={
            "id": "perimeter:000000000001", "name": "seed", "decree_ref": "seed decree",
            "decree_date": "2019-01-01", "valid_until": "2024-01-01"})]
        self.seed_perimeters = json.dumps(stored).encode("utf-8")

    def reset(self) -> dict[str, str]:
        (self.folder / "perimeters.geojson").write_bytes(self.seed_perimeters)
        (self.folder / "cameras.geojson").write_text(EMPTY, encoding="utf-8")
        for leftover in self.folder.glob("*.rejects.csv"):
            leftover.unlink()
        return self.digests()

    def digests(self) -> dict[str, str]:
        return {name: digest(self.folder / name)
                for name in ("perimeters.geojson", "cameras.geojson", "city.toml")}


@pytest.fixture(scope="module")
def fuzz_city(bundle: Path) -> _City:
    return _City(bundle)


FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def _feed(fuzz_city: _City, capsys, payload: bytes, suffix: str, command: list) -> int:
    before = fuzz_city.reset()
    path = fuzz_city.root / f"input{suffix}"
    path.write_bytes(payload)
    at = command.index("FILE")
    argv = [*command[:at], path, *fuzz_city.args, *command[at + 1:]]
    code, out, err = run(capsys, *argv)
    assert "Traceback" not in err, err
    if code != 0:
        lines = [line for line in err.splitlines() if line.startswith("geocover: error:")]
        assert code in (1, 2) and (code == 1 or len(lines) == 1), (code, out, err)
        assert fuzz_city.digests() == before, "a failed command changed a store"
    return code


@FUZZ
@given(payload=mutated_geojson())
def test_fuzz_perimeters_add(payload, fuzz_city, capsys):
    code = _feed(fuzz_city, capsys, payload, ".geojson", ["perimeters", "add", "FILE", *DECREE])
    assert code in (0, 2)


@FUZZ
@given(payload=mutated_geojson())
def test_fuzz_report_perimeters(payload, fuzz_city, capsys):
    command = ["report", "--perimeters", "FILE", "--format", "json"]
    code = _feed(fuzz_city, capsys, payload, ".geojson", command)
    assert code in (0, 2)


@FUZZ
@given(payload=st.one_of(mutated_csv(), mutated_geojson()), as_csv=st.booleans())
def test_fuzz_contrib_add(payload, as_csv, fuzz_city, capsys):
    suffix = ".csv" if as_csv else ".geojson"
    code = _feed(fuzz_city, capsys, payload, suffix, ["contrib", "add", "FILE"])
    assert code in (0, 1, 2)
    assert math.isfinite(code)
