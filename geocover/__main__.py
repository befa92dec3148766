"""``python -m geocover``: the same as the ``geocover`` command."""

from geocover.cli.main import main

raise SystemExit(main())
