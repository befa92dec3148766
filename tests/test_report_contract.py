"""docs/report-json.md lists exactly the keys of a real report (Metz and Paris from the
bundle): every key a report has is documented, every documented key exists."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from geocover.cli.main import main
from tests.conftest import ROOT

DOC = ROOT / "docs" / "report-json.md"


def documented_keys(text: str) -> list[str]:
    """The keys in the first column of the doc's tables. In a cell, ```a.b.c`, `.d```
    means ``a.b.c`` and ``a.b.d``."""
    keys = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        prefix = ""
        for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if name.startswith("."):
                keys.append(prefix + name[1:])
            else:
                keys.append(name)
                prefix = name[: max(name.rfind("."), name.rfind("]")) + 1]
    return keys


def real_keys(value: Any, path: str = "") -> set[str]:
    """Every leaf path of a JSON value: ``a.b`` for objects, ``a[].b`` for the objects of
    a list; an empty object or list, a scalar and a list of scalars are leaves."""
    if isinstance(value, dict) and value:
        return set().union(*(real_keys(v, f"{path}.{k}" if path else k) for k, v in value.items()))
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return set().union(*(real_keys(v, f"{path}[]") for v in value))
    return {path}


def _pattern(key: str) -> str:
    """A documented key as a regular expression: ``<preset>`` is any one key."""
    return "".join(r"[^.\[\]]+" if part.startswith("<") else re.escape(part)
                   for part in re.split(r"(<[^>]+>)", key))


class Contract:
    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        # A documented key without documented keys below it holds data (an object of
        # counts, a list of rows): anything under it is covered.
        self.opaque = [k for k in keys
                       if not any(o.startswith((k + ".", k + "[]")) for o in keys)]
        self.exact = re.compile("|".join(f"(?:{_pattern(k)})" for k in keys))
        opaque = "|".join(f"(?:{_pattern(k)})" for k in self.opaque)
        self.under = re.compile(f"(?:{opaque})(?:\\.|\\[\\])")

    def covers(self, real: str) -> bool:
        return bool(self.exact.fullmatch(real)
                    or self.under.match(real)
                    # an empty container whose keys are documented below it
                    or any(re.match(f"{re.escape(real)}(?:\\.|\\[\\])", k) for k in self.keys))

    def exists(self, key: str, reals: set[str]) -> bool:
        pattern = re.compile(f"{_pattern(key)}(?:(?:\\.|\\[\\]).*)?")
        return any(pattern.fullmatch(r) for r in reals)


@pytest.fixture(scope="module")
def reports(bundle) -> dict[str, dict[str, Any]]:
    out = {}
    for city in ("metz", "paris"):
        capture = _Capture()
        with capture:
            code = main(["report", city, "--bundle", str(bundle), "--format", "json"])
        assert code == 0, capture.err
        out[city] = json.loads(capture.out)
    return out


class _Capture:
    """stdout and stderr of an in-process run (module-scoped: capsys is per test)."""

    def __enter__(self) -> _Capture:
        import contextlib
        import io

        self._out, self._err = io.StringIO(), io.StringIO()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(contextlib.redirect_stdout(self._out))
        self._stack.enter_context(contextlib.redirect_stderr(self._err))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        self.out, self.err = self._out.getvalue(), self._err.getvalue()


@pytest.fixture(scope="module")
def contract() -> Contract:
    keys = documented_keys(DOC.read_text(encoding="utf-8"))
    assert len(keys) > 50  # the doc was parsed
    return Contract(keys)


@pytest.mark.parametrize("city", ["metz", "paris"])
def test_every_key_of_a_real_report_is_documented(reports, contract, city):
    missing = sorted(k for k in real_keys(reports[city]) if not contract.covers(k))
    assert not missing, (
        f"the {city} JSON report has keys docs/report-json.md does not list: "
        f"{', '.join(missing)}; document each (key | type | meaning) in its tables"
    )


def test_every_documented_key_is_in_a_real_report(reports, contract):
    reals = real_keys(reports["metz"]) | real_keys(reports["paris"])
    stale = [k for k in contract.keys if not contract.exists(k, reals)]
    assert not stale, (
        f"docs/report-json.md lists keys that neither the Metz nor the Paris report has: "
        f"{', '.join(stale)}; remove them or fix their spelling"
    )


def test_the_checker_catches_an_undocumented_key_and_a_stale_one():
    """The comparison itself, on a hand-written document and report."""
    doc = ("| key | type |\n|---|---|\n| `a.b`, `.c` | int |\n| `l[].x` | str |\n"
           "| `m.<name>.v` | float |\n| `counts` | object |\n| `gone` | int |\n")
    contract = Contract(documented_keys(doc))
    assert contract.keys == ["a.b", "a.c", "l[].x", "m.<name>.v", "counts", "gone"]
    report = {"a": {"b": 1, "c": 2, "new": 3}, "l": [{"x": "1"}], "m": {"p1": {"v": 1.0}},
              "counts": {"osm": 4}}
    keys = real_keys(report)
    assert sorted(k for k in keys if not contract.covers(k)) == ["a.new"]
    assert [k for k in contract.keys if not contract.exists(k, keys)] == ["gone"]
    # empty containers are fine when their keys are documented below them
    assert contract.covers("m") and contract.covers("l")
