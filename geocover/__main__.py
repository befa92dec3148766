"""``python -m geocover``: the same as the ``geocover`` command."""

import sys

try:
    from geocover.cli.main import run
except KeyboardInterrupt:  # Ctrl-C while Python loads the command
    sys.stderr.write("geocover: interrupted\n")
    raise SystemExit(130) from None

run()
