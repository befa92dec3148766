"""The cycle collector paused while bulk data is read, and left as it was found."""

from __future__ import annotations

import gc

import pytest

from geocover.io.collector import collector_paused, loads


def test_collector_paused_and_restored():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
    assert loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    with pytest.raises(ValueError, match="NaN"):
        loads("[NaN]", parse_constant=lambda token: (_ for _ in ()).throw(ValueError(token)))
