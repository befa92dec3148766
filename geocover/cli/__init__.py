"""The ``geocover`` command: parsing and printing only (one module per subcommand)."""

from geocover.cli.main import main

__all__ = ["main"]
