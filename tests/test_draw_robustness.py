"""The drawing app survives a reading that breaks: one line, the drawing kept, the next
reading runs (under a private Xvfb, like tests/test_draw_app.py)."""

from __future__ import annotations

import pytest

from recognizer.drawing import app as app_module
from tests.test_draw_app import ONE, app, draw, wait_for_label  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def test_a_reading_that_breaks_is_reported_and_the_next_one_runs(app, monkeypatch, capsys):
    real = app_module.read_drawing
    calls = {"count": 0}

    def breaks_once(drawing, recognizer):
        calls["count"] += 1
        if calls["count"] == 1:
            raise ZeroDivisionError("float division by zero")
        return real(drawing, recognizer)

    draw(app, ONE)
    monkeypatch.setattr(app_module, "read_drawing", breaks_once)
    assert app.recognise() is None  # the first reading broke
    assert app.status_text.startswith("could not read the drawing (ZeroDivisionError: float")
    err = capsys.readouterr().err
    assert "the drawing could not be read: ZeroDivisionError" in err and "Traceback" not in err
    assert app.drawing.strokes  # the drawing is kept
    reading = app.recognise()
    assert reading is not None and reading.number == "1"
    assert wait_for_label(app, lambda t: t.startswith("1, ")).startswith("1, ")


def test_debug_adds_the_traceback(app, monkeypatch, capsys):
    def broken(drawing, recognizer):
        raise ValueError("bad stroke")

    draw(app, ONE)
    monkeypatch.setattr(app_module, "read_drawing", broken)
    app.debug = True
    assert app.recognise() is None
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ValueError: bad stroke" in err
