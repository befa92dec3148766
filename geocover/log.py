"""Progress and diagnostics through :mod:`logging`, in the style of osmnx's ``utils.log``.

The library never prints: it logs to the ``geocover`` logger (a
:class:`logging.NullHandler` keeps it silent unless the application configures
logging). The CLI configures it (:func:`geocover.cli.main.main`); a notebook may call
``logging.basicConfig(level=logging.INFO)`` to see the progress.
"""

from __future__ import annotations

import logging

#: The package's logger; modules log through :func:`log`.
logger = logging.getLogger("geocover")
logger.addHandler(logging.NullHandler())


def log(message: str, level: int = logging.INFO, *, name: str | None = None) -> None:
    """Log ``message`` at ``level`` on the ``geocover`` logger (or ``geocover.<name>``).

    Examples
    --------
    >>> log("3/727 communes")  # silent unless logging is configured
    """
    (logger if name is None else logger.getChild(name)).log(level, message)
