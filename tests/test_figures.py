"""Static figures: the PNG map and the camera count over time."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from geocover.outputs import figures
from geocover.pipeline.analysis import analyse

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def metz(bundle):
    # a module fixture is set up before the suite's GEOCOVER_LANG=en: say the language
    return analyse("metz", bundle=bundle, lang="en")


@pytest.fixture(scope="module")
def paris_2019(bundle):
    """Paris with the 707 geocoded sites of the 2019 plan, which carry commissioning dates."""
    return analyse(insee="75056", bundle=bundle, lists=["paris-bovp2019"], osm=False,
                   presets=["sunders"], lang="en")


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def test_parse_as_of():
    assert figures.parse_as_of("2008") == dt.date(2008, 7, 1)
    assert figures.parse_as_of("2014-11") == dt.date(2014, 11, 15)
    assert figures.parse_as_of("2016-07-08") == dt.date(2016, 7, 8)
    for bad in ("", None, "soon", "2014-13", "14/11/2014"):
        assert figures.parse_as_of(bad) is None


def test_metz_timeline_is_the_claims_and_the_press(metz):
    data = figures.timeline(metz)
    assert [p.value for p in data.claimed] == [35, 72, 128, 148]
    assert [p.date.year for p in data.claimed] == [2008, 2014, 2018, 2020]
    assert [p.value for p in data.press] == [163, 197, 225, 330]
    assert data.installed_dates == [] and data.mapped == 0


def test_paris_timeline_counts_commissioning_dates(paris_2019):
    data = figures.timeline(paris_2019)
    installed = paris_2019.cameras["installed"].dropna()
    assert len(data.installed_dates) == len(installed) > 600
    assert data.undated == len(paris_2019.cameras) - len(installed)
    dates, counts = data.cumulative
    assert counts[-1] == len(installed) and dates == sorted(dates)
    assert min(dates) >= dt.date(2000, 1, 1) and max(dates) <= dt.date(2019, 12, 31)


def test_figures_use_agg_and_carry_attribution(metz, paris_2019):
    for fig in (figures.map_figure(metz), figures.cameras_over_time_figure(metz),
                figures.map_figure(paris_2019)):
        assert isinstance(fig.canvas, FigureCanvasAgg)
    text = _texts(figures.map_figure(paris_2019))
    assert "IGN – ADMIN EXPRESS" in text and "OpenStreetMap contributors" in text
    assert "seen by the mapped cameras" in text and "707" in text
    timeline = _texts(figures.cameras_over_time_figure(metz))
    assert "148" in timeline and "fact sheet" in timeline


def test_no_pyplot_state(bundle, tmp_path):
    """The figures never touch pyplot's global state (a notebook's backend stays its own)."""
    code = (
        "import sys; from geocover import analyse; from geocover.outputs import figures; "
        f"a = analyse('metz', bundle={str(bundle)!r}); "
        f"figures.write_figures(a, {str(tmp_path)!r}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_write_figures(metz, tmp_path):
    written = figures.write_figures(metz, tmp_path / "maps")
    assert [p.name for p in written] == ["metz-map.png", "metz-cameras-over-time.png"]
    for path in written:
        assert path.read_bytes()[:8] == PNG
        height, width, _ = imread(path).shape
        assert width >= 1000 and height >= 600
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == sorted(p.name for p in written)


def test_unknown_preset_is_a_usage_error(metz):
    from geocover.errors import UsageError

    with pytest.raises(UsageError):
        figures.map_figure(metz, preset="nope")


def test_cli_figures(cli, bundle, tmp_path):
    result = cli("figures", "metz", "--bundle", str(bundle), "--output-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "metz-map.png").read_bytes()[:8] == PNG
    assert (tmp_path / "metz-cameras-over-time.png").read_bytes()[:8] == PNG
    result = cli("figures", "metz", "--bundle", str(bundle), "--preset", "nope",
                 "--output-dir", str(tmp_path / "x"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
