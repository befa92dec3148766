"""Issue 12, code execution through the batch choropleth page: commune names come from
geo.api.gouv.fr or a bundle and are untrusted. A name ``{{ 7*7 }}`` must be shown as
written (not 49), and a crafted name must not run anything on the machine. The bundle
is synthetic (generated here): département 57's code with three square communes of
made-up codes and hostile names, nothing of the real Moselle."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
import shapely.geometry

from tests.hostile import run


def _bundle(folder: Path, names: list[str]) -> Path:
    features = []
    for i, name in enumerate(names):
        square = shapely.box(6.10 + 0.02 * i, 49.05, 6.12 + 0.02 * i, 49.07)
        features.append({"type": "Feature", "properties": {"code": f"5790{i + 1}", "nom": name},
                         "geometry": shapely.geometry.mapping(square)})
    path = folder / "geo-api" / "departements-57-communes-contour.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return folder


def test_commune_names_never_reach_a_template(tmp_path, capsys):
    marker = tmp_path / "pwned"
    crafted = ("{{ self.__init__.__globals__.__builtins__.__import__('os')"
               f".system('touch {marker}') }}}}")
    bundle = _bundle(tmp_path / "bundle", ["{{ 7*7 }}", crafted, "{% raw %}x"])
    out = tmp_path / "out" / "batch.gpkg"
    out.parent.mkdir()
    code, _, err = run(capsys, "batch", "-d", "57", "--bundle", bundle, "-o", out, "--quiet",
                       "--no-bundle-cameras", "--data-dir", tmp_path / "no-cities")
    assert code == 0, err
    assert not marker.exists(), "a commune name ran code on the machine"
    page = (tmp_path / "out" / "batch.html").read_text(encoding="utf-8")
    assert "7*7" in page                 # the name as written: not rendered into 49
    assert "__globals__" in page         # the crafted name shown, not evaluated away
