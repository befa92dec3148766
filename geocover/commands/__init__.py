"""One module per ``geocover`` subcommand, each with ``register(subparsers)``."""
