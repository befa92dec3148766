"""The ``geocover`` command: parsing, dispatching and printing only.

Each subcommand lives in ``geocover/cli/<name>.py`` with a ``register(subparsers)``
function; the work itself is done by the library's public functions. A user's
mistake (a :class:`~geocover.errors.GeocoverError`) prints one line on stderr and
exits with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import NoReturn

from geocover._version import __version__
from geocover.cli import hints
from geocover.cli.common import language_of, set_language, tr
from geocover.errors import GeocoverError
from geocover.i18n import UnknownLanguage

#: Subcommand modules under geocover.cli, in the order of the help text.
COMMANDS = ("report", "compliance", "batch", "contrib", "perimeters", "cameras", "map", "figures")


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error already; keep its message to one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    _ = tr().gettext
    parser = _Parser(
        prog="geocover",
        description=_(
            "Check official video-surveillance claims (camera counts, authorized perimeters, "
            "coverage) against the map. Metz by default; any French commune with --insee."
        ),
        epilog=_("Offline: --bundle DIR or GEOCOVER_BUNDLE=DIR "
        "(a folder laid out like ../shared/data)."),
    )
    parser.add_argument("--version", action="version", version=f"geocover {__version__}")
    parser.add_argument("--debug", action="store_true", help=_("show tracebacks of errors"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"geocover.cli.{name}").register(sub)
    return parser


def _fail(message: str, code: int = 2) -> int:
    print(tr().gettext("geocover: error: {message}").format(message=message), file=sys.stderr)
    return code


class _Handler(logging.StreamHandler):
    """The library's log records as ``geocover: …`` lines on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # follow a redirected stderr (tests, callers)
        super().emit(record)


@contextlib.contextmanager
def logging_to_stderr(debug: bool = False) -> Iterator[None]:
    """Show the library's warnings (``--debug``: everything) as ``geocover: …`` lines on
    stderr while a command runs; the logger is left as it was found."""
    logger = logging.getLogger("geocover")
    handler = _Handler(sys.stderr)
    handler.setFormatter(logging.Formatter("geocover: %(message)s"))
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    level = logger.level
    logger.addHandler(handler)
    if debug:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    with logging_to_stderr("--debug" in (sys.argv[1:] if argv is None else argv)):
        return _main(argv)


#: The collector's first threshold in a ``geocover`` process (:func:`run`).
GC_THRESHOLD = 50_000


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """``geocover`` as a process (the console script, ``python -m geocover``): run
    :func:`main`, then exit without tearing the interpreter down, as mypy's ``hard_exit``
    does. Freeing, one by one, every object of a run and every module it loaded took
    0.1-0.16 s of each command (a fifth of a report of Metz) and left nothing behind that
    a user could see. The exit handlers (``atexit``: logging, thread pools, temporary
    folders, child processes) still run first and the standard streams are flushed; the
    outputs are closed by then (every file is written and renamed into place before its
    command returns). A usage error or ``--help`` (argparse's SystemExit) exits the
    ordinary way. ``GEOCOVER_FULL_EXIT=1`` keeps the ordinary teardown (to debug a
    finalizer).

    The cyclic garbage collector runs after every 50,000 new container objects instead
    of 700: a run builds hundreds of thousands of rows, dicts and geometries that all
    live to its end, and scanning them again and again (650 collections, 0.17 s of a map
    of Paris, with the GIL held while the presets' threads wait) found almost nothing
    to free. A notebook's process keeps Python's defaults."""
    import gc

    from geocover.cli import common

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])

    hard = not os.environ.get("GEOCOVER_FULL_EXIT") and hasattr(atexit, "_run_exitfuncs")
    if hard:
        common.KEEP_TO_EXIT = []  # the analysis is not freed on the way out either
    code = main(argv)
    if not hard:
        raise SystemExit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # (a closed pipe: `geocover … | head`; a closed stream)
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _main(argv: Sequence[str] | None = None) -> int:
    """Run the command: 0 on success, 1 for a requested failure (``--fail-on-…``), 2 for
    a user's or a source's mistake (one line on stderr), 130 when interrupted."""
    args_list = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args_list
    try:
        set_language(language_of(args_list))
    except UnknownLanguage as exc:  # $GEOCOVER_LANG names a language geocover does not speak
        set_language("en")
        return _fail(str(exc) + " (GEOCOVER_LANG)")
    _ = tr().gettext
    try:
        from geocover import settings

        if settings.problems():
            return _fail(_("{problems} (fix or unset the variable)").format(
                problems="; ".join(settings.problems())))
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return 2
        return int(args.run(args) or 0)
    except GeocoverError as exc:
        if debug:
            raise
        return _fail(hints.message(exc), exc.exit_code)
    except KeyboardInterrupt:
        print(_("geocover: interrupted"), file=sys.stderr)
        return 130
    except RecursionError:
        if debug:
            raise
        return _fail(_("an input is nested too deeply to be read (thousands of levels of "
                       "brackets): not a plausible GeoJSON, JSON or TOML file"))
    except OSError as exc:
        # Every store is written to a temporary file and renamed over the old one, so a
        # failed write (disk full, read-only folder) leaves what was saved intact.
        if debug:
            raise
        return _fail(_("cannot write or read{where} ({reason}); every file already saved "
                       "(stores, outputs) is intact, the new one was not written").format(
            where=f" {exc.filename}" if exc.filename else "", reason=exc.strerror or exc))


if __name__ == "__main__":  # pragma: no cover
    run()
