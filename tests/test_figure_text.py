"""What the PNG figures say (issue 14, item 7), read on the matplotlib Figure before
saving and from the PNG's text chunks after: the fact sheet named as a civil-society
one, forecasts and targets drawn apart from counts, empty layers said on the map and a
title that names only what is drawn, in French and in English."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import shapely
from PIL import Image

from geocover.outputs import figures
from geocover.pipeline.analysis import analyse
from geocover.schema.city import TimelinePoint
from geocover.sources.city import load_city

#: The 2026 target of the press file (seed/metz-press-facts.md): 1,600 cameras across
#: Metz and the Eurométropole, given on 1 Sept 2023.
TARGET_1600 = TimelinePoint("2026", 1600, "maires-moselle.com, 1 Sept 2023 (target, Metz and "
                            "the Eurométropole)", date="2023-09-01", target=True)


@pytest.fixture(scope="module")
def metz(bundle):
    return analyse("metz", bundle=bundle, lang="en")


@pytest.fixture(scope="module")
def metz_fr(bundle):
    return analyse("metz", bundle=bundle, lang="fr")


def _lines(fig):
    return {line.get_gid(): line for line in fig.axes[0].get_lines() if line.get_gid()}


def _legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def _annotations(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_the_fact_sheet_is_named_a_civil_society_one(metz):
    fig = figures.cameras_over_time_figure(metz)
    legend = _legend(fig)
    assert legend[0] == ("claimed by a civil-society fact sheet: “Le point sur la vidéo "
                         "surveillance à METZ” (February 2020)")
    assert "press figures (claims, not measurements)" in legend
    assert fig.axes[0].get_title() == "Metz: video-surveillance cameras over time"


def test_a_forecast_is_drawn_apart_from_the_counts(metz):
    """The 330 of end 2023 was given on 1 Sept 2023: a forecast, hollow and dotted."""
    fig = figures.cameras_over_time_figure(metz)
    counts = [line for line in fig.axes[0].get_lines() if line.get_gid() == "counts"]
    announced = _lines(fig)["announced"]
    assert [list(line.get_ydata()) for line in counts] == [[35, 72, 128, 148], [163, 197, 225]]
    assert {line.get_linestyle() for line in counts} == {"-", "--"}
    assert list(announced.get_ydata()) == [330]
    assert list(announced.get_xdata()) == [dt.date(2023, 12, 15)]
    assert announced.get_linestyle() == "None" and announced.get_markerfacecolor() == "white"
    joined = _lines(fig)["announced-line"]
    assert joined.get_linestyle() == figures.ANNOUNCED_STYLE == ":"
    assert list(joined.get_ydata()) == [225, 330]  # from the last count before it
    assert "330 (forecast)" in _annotations(fig)
    assert "press figures: forecasts and targets (announced, not counts)" in _legend(fig)
    # a count is never drawn in the forecasts' style
    assert all(line.get_linestyle() != ":" for line in counts)


def test_a_target_is_drawn_as_one(metz):
    city = dataclasses.replace(metz.city, timeline=(*metz.city.timeline, TARGET_1600))
    fig = figures.cameras_over_time_figure(dataclasses.replace(metz, city=city))
    announced = _lines(fig)["announced"]
    assert list(announced.get_ydata()) == [330, 1600]
    assert "1,600 (target)" in _annotations(fig) and "330 (forecast)" in _annotations(fig)
    assert fig.axes[0].get_ylim()[1] == pytest.approx(1600 * 1.12)


def test_the_chart_in_french(metz_fr):
    city = dataclasses.replace(metz_fr.city, timeline=(*metz_fr.city.timeline, TARGET_1600))
    fig = figures.cameras_over_time_figure(dataclasses.replace(metz_fr, city=city))
    assert fig.axes[0].get_title() == "Metz\u00a0: les caméras de vidéosurveillance au fil du temps"
    legend = _legend(fig)
    assert legend[0] == ("selon une fiche d’information de la société civile\u00a0: "
                         "«\u00a0Le point sur la vidéo surveillance à METZ\u00a0» (février 2020)")
    assert "1\u202f600 (objectif)" in _annotations(fig)
    assert "330 (prévision)" in _annotations(fig)
    assert fig.axes[0].get_ylabel() == "caméras"
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "1\u202f000" in ticks


def test_the_map_says_what_is_empty(metz, metz_fr, tmp_path):
    fig = figures.map_figure(metz)
    assert figures.figure_title(fig) == "Metz: the commune (no perimeter, no camera to show)"
    empty = next(t for t in fig.axes[0].texts if t.get_gid() == "empty-layers")
    assert empty.get_text() == ("No authorized perimeter digitized.\n"
                                "No camera mapped in the sources read.")
    fr = figures.map_figure(metz_fr)
    assert figures.figure_title(fr) == ("Metz\u00a0: la commune (aucun périmètre, aucune caméra "
                                        "à montrer)")
    empty = next(t for t in fr.axes[0].texts if t.get_gid() == "empty-layers")
    assert empty.get_text() == ("Aucun périmètre autorisé numérisé.\n"
                                "Aucune caméra cartographiée dans les sources lues.")
    scale = next(t for t in fr.axes[0].texts if t.get_gid() == "scale").get_text()
    assert scale in ("1\u00a0km", "2\u00a0km", "500\u00a0m")
    # the title and the language, read back from the PNG's text chunks
    written = figures.write_figures(metz_fr, tmp_path)
    chunks = [Image.open(p).text for p in written]
    assert chunks[0]["Title"] == figures.figure_title(fr) and chunks[0]["Language"] == "fr"
    assert chunks[1]["Title"] == "Metz\u00a0: les caméras de vidéosurveillance au fil du temps"


def test_the_title_names_what_is_drawn(bundle, tmp_path):
    """Paris with the 2019 list: cameras, no perimeter. Metz with a synthetic perimeter
    (generated here, labelled synthetic) around its centre: perimeters, no camera."""
    paris = analyse(insee="75056", bundle=bundle, lists=["paris-bovp2019"], osm=False,
                    presets=["sunders"], lang="en")
    fig = figures.map_figure(paris)
    assert figures.figure_title(fig) == "Paris: mapped cameras"
    empty = next(t for t in fig.axes[0].texts if t.get_gid() == "empty-layers")
    assert empty.get_text() == "No authorized perimeter digitized."
    metz_boundary = json.loads((bundle / "communes/metz-57463-adminexpress2018.geojson")
                               .read_text(encoding="utf-8"))
    centre = shapely.from_geojson(json.dumps(metz_boundary["features"][0]["geometry"])
                                  ).representative_point()
    synthetic = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": "synthetic-1", "name": "synthetic perimeter (test)",
                       "decree_ref": "synthetic", "decree_date": "2024-01-01"},
        "geometry": shapely.geometry.mapping(centre.buffer(0.005))}]}
    path = tmp_path / "synthetic-perimeters.geojson"
    path.write_text(json.dumps(synthetic), encoding="utf-8")
    metz = analyse("metz", bundle=bundle, perimeters=path, lang="en",
                   today=dt.date(2025, 1, 1))
    fig = figures.map_figure(metz)
    assert figures.figure_title(fig) == "Metz: authorized perimeters"
    empty = next(t for t in fig.axes[0].texts if t.get_gid() == "empty-layers")
    assert empty.get_text() == "No camera mapped in the sources read."
    assert "authorized perimeter, valid (1)" in _legend_of_map(fig)


def _legend_of_map(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_forecasts_and_targets_in_city_toml(tmp_path):
    """A timeline figure given before its date is a forecast; ``target = true`` a target;
    either may be for a date to come, a count may not."""
    folder = tmp_path / "synthetic"
    folder.mkdir()
    toml = ('[city]\nname = "Synthetic"\ninsee = "99999"\n\n'
            '[[timeline]]\nas_of = "2022"\nvalue = 10\nsource = "synthetic"\ndate = "2023-01"\n\n'
            '[[timeline]]\nas_of = "2099"\nvalue = 20\nsource = "synthetic"\ntarget = true\n\n'
            '[[timeline]]\nas_of = "2099-06"\nvalue = 30\nsource = "synthetic"\n'
            'date = "2023-01"\n')
    (folder / "city.toml").write_text(toml, encoding="utf-8")
    points = load_city(str(folder / "city.toml")).timeline
    assert [(p.announced, p.target) for p in points] == [(False, False), (True, True),
                                                         (True, False)]
    from geocover.errors import ConfigError

    (folder / "city.toml").write_text(toml.replace('target = true', 'target = "yes"'),
                                      encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timeline\[2\]\.target must be true or false"):
        load_city(str(folder / "city.toml"))
    (folder / "city.toml").write_text(toml.replace('target = true\n', ''), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timeline\[2\]\.as_of '2099' is in the future"):
        load_city(str(folder / "city.toml"))
