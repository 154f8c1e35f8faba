"""The drawing app's real window under a private Xvfb: draw with events and the real pointer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from recognizer.core import config
from tests.conftest import arc

pytestmark = pytest.mark.slow


ONE = [[(120, 60), (120, 260)]]
SEVEN = [[(300, 60), (400, 60), (340, 260)]]
ZERO = [arc(480, 160, 45, 95)]


@pytest.fixture()
def app(xvfb_display, recognizer):
    from recognizer.drawing.app import DrawApp, open_root

    root = open_root()
    window = DrawApp(root, recognizer)
    root.update()
    yield window
    root.destroy()


def pump(app, seconds: float) -> None:
    """Run the Tk event loop for a while (debounced reading needs its `after` to fire)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.root.update()
        time.sleep(0.005)


def wait_for_label(app, predicate, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.root.update()
        text = app.result.cget("text")
        if predicate(text):
            return text
        time.sleep(0.01)
    return app.result.cget("text")


def draw(app, shape) -> None:
    """Draw strokes on the canvas with generated press/motion/release events."""
    canvas = app.canvas
    for points in shape:
        dense = []
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            steps = max(1, int(np.hypot(x1 - x0, y1 - y0) // 8))
            dense += [(x0 + (x1 - x0) * t / steps, y0 + (y1 - y0) * t / steps) for t in range(steps)]
        dense.append(points[-1])
        x, y = dense[0]
        canvas.event_generate("<ButtonPress-1>", x=int(x), y=int(y))
        for x, y in dense[1:]:
            canvas.event_generate("<B1-Motion>", x=int(round(x)), y=int(round(y)))
        canvas.event_generate("<ButtonRelease-1>", x=int(round(x)), y=int(round(y)))
        app.root.update()


def press(app, keysym: str) -> None:
    app.root.focus_force()
    app.root.update()
    app.root.event_generate(keysym)
    app.root.update()


def test_empty_canvas_says_draw_a_digit(app):
    assert app.result.cget("text") == "Draw a digit"
    app.recognise_button.invoke()
    assert app.result.cget("text") == "Draw a digit"
    assert app.bar_values == (0.0,) * 10


def test_a_drawn_one_is_read_live_without_pressing_recognise(app):
    draw(app, ONE)
    text = wait_for_label(app, lambda t: t != "Draw a digit")
    assert text.startswith("1, ") and text.endswith("%")
    # The chart and the patch show what the model read.
    assert int(np.argmax(app.bar_values)) == 1
    assert sum(app.bar_values) == pytest.approx(1.0, abs=0.01)  # the rest: "not a digit"
    assert len(app._photos) == 1
    assert app._photos[0].width() == config.IMAGE_SIZE * app.zoom
    # The drawing was recorded offscreen from the events, where it was drawn.
    assert app.drawing.image[160, 120] < 128 and app.drawing.image[160, 300] == 255


LETTER_A = [[(180, 270), (260, 60), (340, 270)], [(210, 190), (310, 190)]]
SMILEY = [arc(320, 160, 100, 100), [(285, 120), (287, 126)], [(355, 120), (357, 126)],
          arc(320, 165, 55, 45, 0.3, np.pi - 0.3)]


@pytest.mark.parametrize("shape", [LETTER_A, SMILEY], ids=["capital A", "smiley"])
def test_a_letter_or_a_smiley_is_not_read_as_a_digit(app, shape):
    draw(app, shape)
    text = wait_for_label(app, lambda t: t != "Draw a digit")
    assert text == "That does not look like a digit"
    assert len(app._photos) == 1  # the 28x28 patch the model saw is still shown


def test_enter_recognises_at_once_and_digits_side_by_side_read_as_a_number(app):
    size = (app.canvas.winfo_width(), app.canvas.winfo_height())
    draw(app, ONE)
    draw(app, SEVEN)
    draw(app, ZERO)
    press(app, "<Return>")
    text = app.result.cget("text")  # no waiting: Enter reads now
    assert text.startswith("170 (1 "), text
    assert len(app._photos) == 3
    pump(app, 0.1)  # a long reading does not resize the canvas (nor change the pen)
    assert (app.canvas.winfo_width(), app.canvas.winfo_height()) == size


def test_clear_button_and_escape_and_delete_clear(app):
    for clear in (
        lambda: app.clear_button.invoke(),
        lambda: press(app, "<Escape>"),
        lambda: press(app, "<Delete>"),
    ):
        draw(app, ONE)
        assert wait_for_label(app, lambda t: t.startswith("1, ")).startswith("1, ")
        clear()
        assert app.result.cget("text") == "Draw a digit"
        assert app.drawing.is_empty and app.drawing.image.min() == 255
        assert app.canvas.find_withtag("ink") == ()


def test_ctrl_z_undoes_the_last_stroke(app):
    draw(app, ONE)
    draw(app, SEVEN)
    press(app, "<Return>")
    assert app.result.cget("text").startswith("17 (")
    press(app, "<Control-z>")
    assert app.result.cget("text").startswith("1, ")
    assert len(app.drawing.strokes) == 1
    assert app.canvas.find_withtag("stroke1") == () and app.canvas.find_withtag("stroke0")
    press(app, "<Control-z>")
    assert app.result.cget("text") == "Draw a digit"


def test_ctrl_s_saves_the_drawing_as_png(app, tmp_path, recognizer):
    target = tmp_path / "seven.png"
    app.choose_save_path = lambda: str(target)
    draw(app, SEVEN)
    press(app, "<Control-s>")
    saved = cv2.imread(str(target), cv2.IMREAD_GRAYSCALE)
    assert saved is not None and np.array_equal(saved, app.drawing.image)
    assert recognizer.predict_digit(saved).digit == 7
    assert app.status_text == f"saved {target}"


def test_below_the_threshold_the_label_says_not_sure(xvfb_display, recognizer):
    from recognizer.drawing.app import DrawApp, open_root

    root = open_root()
    try:
        app = DrawApp(root, recognizer, min_confidence=1.01)  # nothing is ever that sure
        draw(app, ONE)
        text = wait_for_label(app, lambda t: t != "Draw a digit")
        assert text.startswith("not sure: 1? ")
    finally:
        root.destroy()


def test_the_window_resizes_and_the_drawing_follows(app):
    app.root.geometry("1200x700")
    pump(app, 0.3)
    assert app.canvas.winfo_width() > config.CANVAS_WIDTH
    assert app.drawing.width == app.canvas.winfo_width()
    assert app.drawing.height == app.canvas.winfo_height()
    draw(app, [[(900, 100), (900, 500)]])
    press(app, "<Return>")
    assert app.result.cget("text").startswith("1, ")


@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (apt-get install xdotool)")
def test_drawing_with_the_real_pointer_through_xdotool(app):
    app.root.lift()
    pump(app, 0.2)
    left, top = app.canvas.winfo_rootx(), app.canvas.winfo_rooty()
    # A 7: along the top, then down to the left, with the real (XTEST) pointer.
    path = [(300, 60), (400, 60), (340, 260)]
    commands = ["mousemove", str(left + path[0][0]), str(top + path[0][1]), "mousedown", "1"]
    for (x0, y0), (x1, y1) in zip(path, path[1:]):
        for t in np.linspace(0, 1, 20)[1:]:
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            commands += ["mousemove", str(int(left + x)), str(int(top + y)), "sleep", "0.01"]
    commands += ["mouseup", "1"]
    # The event loop must run while the pointer moves, as for a user: Tk folds motion
    # events that pile up in its queue into one.
    pointer = subprocess.Popen(["xdotool", *commands], env=os.environ.copy())
    deadline = time.monotonic() + 30
    while pointer.poll() is None and time.monotonic() < deadline:
        app.root.update()
        time.sleep(0.002)
    assert pointer.wait(timeout=5) == 0
    pump(app, 2 * config.LIVE_DEBOUNCE_MS / 1000 + 0.2)  # the live reading after the release
    text = app.result.cget("text")
    assert text.startswith("7, "), (text, app.drawing.strokes)
    stroke = app.drawing.strokes[0]
    assert len(stroke.points) > 10
    assert stroke.points[0] == (300.0, 60.0)


def test_without_a_display_one_line_points_to_the_headless_commands(tmp_path):
    """No model is loaded first: the missing-model error would otherwise come out."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env[config.MODEL_ENV_VAR] = str(tmp_path / "missing.tflite")
    result = subprocess.run(
        [sys.executable, "-m", "recognizer", "draw"], capture_output=True, text=True, env=env,
        timeout=60, cwd=config.PROJECT_ROOT,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "needs a display" in lines[0]
    assert "recognizer photos" in lines[0] and "recognizer webcam --headless" in lines[0]


def test_on_a_high_dpi_screen_everything_is_scaled_up(xvfb_display, recognizer):
    from recognizer.drawing.app import DrawApp, open_root

    root = open_root()
    try:
        root.tk.call("tk", "scaling", 2 * 96 / 72)  # what Tk reports for a 192 dpi screen
        app = DrawApp(root, recognizer)
        root.update()
        assert app.scale == pytest.approx(2.0, rel=0.01)
        assert int(app.canvas.cget("width")) == pytest.approx(2 * config.CANVAS_WIDTH, rel=0.01)
        assert app.canvas.winfo_height() >= 2 * config.CANVAS_HEIGHT
        assert app.zoom == 2 * config.PATCH_ZOOM
        assert app.drawing.pen_width >= 2 * round(config.PEN_WIDTH_FRACTION * config.CANVAS_HEIGHT)
    finally:
        root.destroy()


def test_saving_where_it_cannot_write_says_so(app, tmp_path):
    app.choose_save_path = lambda: str(tmp_path / "no" / "such" / "folder" / "x.png")
    draw(app, ONE)
    assert app.save() is None
    assert app.status_text.startswith("could not write ")


def test_touching_digits_in_one_stroke_group_are_read_as_a_number(app):
    # A quick "107": the 0 touches the 1 and the 7 touches the 0 (one connected group).
    draw(app, [[(120, 60), (120, 260)]])
    draw(app, [arc(195, 160, 70, 95)])
    draw(app, [[(255, 60), (355, 60), (295, 260)]])
    press(app, "<Return>")
    text = app.result.cget("text")
    assert text.startswith("107 (1 "), text
    assert len(app._photos) == 3  # each digit's patch is shown


def test_a_long_reading_is_shown_in_full(app):
    ones = [[[(x, 60), (x + 10, 260)]] for x in range(60, 600, 90)]
    for shape in ones:
        draw(app, shape)
    press(app, "<Return>")
    text = app.result.cget("text")
    assert text.startswith("111111 ("), text
    font = app.result_font
    assert int(font.cget("size")) < 20  # smaller than a single digit's label
    # At the size chosen the reading's words fit the label's two lines.
    assert font.measure(text) <= 2 * app.panel_width, (text, font.cget("size"))
