"""The version, defined here only (pyproject.toml reads it; no importlib.metadata at run time)."""

__version__ = "0.2.0"
