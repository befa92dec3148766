"""Options shared by several subcommands, and safe output."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geocover import settings
from geocover.errors import GeocoverError
from geocover.i18n import LANGS, Translator, check_lang, default_lang, translator
from geocover.io.atomic import replace_atomic
from geocover.io.guard import check_output_path, protected_files

if TYPE_CHECKING:
    from geocover.pipeline.analysis import Analysis


_LANG: list[str] = []


def language_of(argv: list[str]) -> str:
    """The language of the command's own words: ``--lang`` if ``argv`` gives a known one,
    else ``$GEOCOVER_LANG``, else French (the readers' default). The outputs follow the
    same ``--lang``, else the city's ``lang`` (``analyse``)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value is not None:
            try:
                return check_lang(value)
            except ValueError:
                break  # argparse says what is wrong with it
    return default_lang()


def set_language(lang: str) -> None:
    """The language of the command's messages (help, what it prints, errors)."""
    _LANG[:] = [check_lang(lang)]


def tr() -> Translator:
    """The translator of the command's messages."""
    return translator(_LANG[0] if _LANG else default_lang())


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """--lang fr|en: the language of the outputs and of the command's messages."""
    _ = tr().gettext
    parser.add_argument(
        "--lang", choices=LANGS, default=None,
        help=_("language of the report, map and figures, and of these messages: fr or en "
               "(default $GEOCOVER_LANG, else the city's lang, French for French communes)"),
    )


def add_city_options(parser: argparse.ArgumentParser) -> None:
    """CITY, --insee, --bundle, --data-dir, --lang: which commune, from where, in which
    language."""
    _ = tr().gettext
    add_lang_option(parser)
    parser.add_argument(
        "city", nargs="?", default=None,
        help=_("a configured city (a folder of data/ with a city.toml, e.g. metz, paris); "
        "default metz"),
    )
    parser.add_argument("--insee", metavar="CODE",
                        help=_("any French commune by INSEE code (e.g. 57463)"))
    parser.add_argument(
        "--bundle", metavar="DIR", type=Path,
        help=_("offline bundle folder laid out like ../shared/data (default $GEOCOVER_BUNDLE); "
        "with it nothing is requested from the network"),
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", type=Path, default=None,
        help=_("folder of the city configurations (default: the checkout's data/)"),
    )


def add_perimeter_options(parser: argparse.ArgumentParser) -> None:
    _ = tr().gettext
    parser.add_argument(
        "--perimeters", metavar="FILE", type=Path,
        help=_("a perimeter file to use instead of the city's "
        "(test a digitization before committing it)"),
    )
    parser.add_argument(
        "--assume-crs", metavar="CRS",
        help=_("CRS to assume for a perimeter file that declares none (e.g. EPSG:2154)"),
    )
    parser.add_argument(
        "--on-invalid", choices=("raise", "repair"), default="raise",
        help=_("an invalid perimeter polygon is an error (raise, default) or repaired with "
        "make_valid and reported (repair)"),
    )


def write_output(text: str, path: Path | None) -> None:
    """Print ``text``, or write it to ``path`` atomically (a temp file, then a rename),
    so an interrupted run never leaves a half-written file."""
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        return
    replace_atomic(path, text.encode("utf-8"))


def _city_files(args: argparse.Namespace) -> list[Path | None]:
    """The configuration and stores of the city a command is about (empty if it has none)."""
    from geocover.sources.city import find_city_file, resolve_city

    city_arg = getattr(args, "city", None)
    try:
        city = resolve_city(city_arg, getattr(args, "insee", None), getattr(args, "data_dir", None))
    except GeocoverError:
        return []  # the command itself will say what is wrong with the city
    files: list[Path | None] = [city.perimeters_file, city.cameras_file]
    if city.folder != Path("."):
        files.append(city.folder / "city.toml")
        if city_arg:
            with contextlib.suppress(GeocoverError):
                files.append(find_city_file(city_arg, getattr(args, "data_dir", None)))
    return files


def check_outputs(
    args: argparse.Namespace, *paths: Path | None, option: str = "-o", folder: bool = False,
    inputs: tuple[Path | None, ...] = (),
) -> None:
    """Refuse, before any work, an output that is a store, a configuration file, an input
    of the command or inside the bundle, or that cannot be a file (see
    :func:`geocover.io.guard.check_output_path`). Exit 2, nothing touched."""
    data_dir = getattr(args, "data_dir", None) or settings.default_data_dir()
    protected = [*protected_files(data_dir), *_city_files(args)]
    # (``osm`` is a file for some commands, the --no-osm switch's True/False for others)
    osm = getattr(args, "osm", None)
    read: list[Path | None] = [*inputs, getattr(args, "perimeters", None),
                               getattr(args, "file", None),
                               None if isinstance(osm, bool) else osm]
    cameras = getattr(args, "cameras", None)
    if isinstance(cameras, list):
        read.extend(cameras)
    bundle = getattr(args, "bundle", None) or settings.bundle_from_env()
    for path in paths:
        check_output_path(path, option=option, protected=protected, inputs=read,
                          folders=[bundle], folder=folder)


def add_camera_options(parser: argparse.ArgumentParser) -> None:
    """--cameras, --list, --preset: which cameras, which field-of-view models."""
    _ = tr().gettext
    parser.add_argument(
        "--cameras", metavar="FILE", type=Path, action="append",
        help=_("a camera layer (GeoJSON, or CSV with lat/lon columns) used instead of the city's "
        "configured sources; repeatable"),
    )
    parser.add_argument(
        "--list", dest="lists", metavar="NAME", action="append",
        help=_("camera list to read instead of the defaults (e.g. paris-police-2025, "
        "paris-bovp2019, paris-pvpp2013, sous-surveillance-net, or one the city declares in "
        "its city.toml); repeatable, one vintage per list; default: the newest vintage of each "
        "of the city's lists"),
    )
    parser.add_argument(
        "--no-osm", dest="osm", action="store_false", default=None,
        help=_("do not read OpenStreetMap (only the lists and contributions)"),
    )
    parser.add_argument(
        "--preset", dest="presets", metavar="NAME", action="append",
        help=_("field-of-view preset (sunders, panopticity-identification, "
        "panopticity-recognition, panopticity-observation, factsheet-300m); repeatable; "
        "default: all of them"),
    )
    parser.add_argument(
        "--osm-extract", metavar="NAME",
        help=_("with --bundle: the OSM extract to read (osm/NAME-*.overpass.json); "
        "default the city's name"),
    )


#: Where :func:`geocover.cli.main.run` (a process that ends with the command) keeps each
#: analysis alive to the end: freeing one of Paris, object by object, took 45 ms that
#: nobody waits for once the outputs are written. None otherwise (tests, callers of main).
KEEP_TO_EXIT: list[Any] | None = None


def analysis_from_args(args: argparse.Namespace) -> Analysis:
    """Run :func:`geocover.analyse` with the common options."""
    from geocover.pipeline.analysis import analyse

    analysis = analyse(
        args.city,
        insee=args.insee,
        bundle=args.bundle,
        perimeters=args.perimeters,
        assume_crs=args.assume_crs,
        on_invalid=args.on_invalid,
        data_dir=args.data_dir,
        cameras=args.cameras,
        lists=args.lists,
        presets=args.presets,
        osm_extract=args.osm_extract,
        osm=getattr(args, "osm", None),
        today=getattr(args, "today", None),
        lang=getattr(args, "lang", None),
    )
    if KEEP_TO_EXIT is not None:
        KEEP_TO_EXIT.append(analysis)
    return analysis
