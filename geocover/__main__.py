"""``python -m geocover``: the same as the ``geocover`` command."""

from .cli import main

raise SystemExit(main())
