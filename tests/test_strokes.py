"""Stroke recording, undo, segmentation into digits and number reading, without a screen."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.core import config
from recognizer.core.predict import Prediction
from recognizer.core.records import Digit
from recognizer.drawing.reading import EMPTY_MESSAGE, NumberReading, read_drawing, read_strokes
from recognizer.drawing.strokes import (
    Drawing,
    Stroke,
    group_strokes,
    pen_width_for,
    render_digit,
)
from tests.conftest import arc


def one(x, top=60, bottom=260):
    return [[(x, top), (x, bottom)]]


def zero(cx, cy=160, rx=45, ry=95):
    return [arc(cx, cy, rx, ry, 0, 2 * np.pi, 60)]


def seven(left, top=60, width=100, bottom=260):
    return [[(left, top), (left + width, top), (left + width * 0.4, bottom)]]


def four_in_two_strokes(left, top=60, bottom=260):
    """An open 4: the left arm and bar in one stroke, the upright in a second one that does
    not touch the first where it starts."""
    return [
        [(left + 30, top), (left, top + 120), (left + 110, top + 120)],
        [(left + 80, top + 40), (left + 80, bottom)],
    ]


def five_with_detached_bar(left, top=60):
    """A 5 whose top bar is lifted off and sits to the upper right of the body, as written
    quickly: two strokes that neither touch nor overlap much horizontally."""
    body = [(left + 10, top + 30), (left + 5, top + 95)] + arc(
        left + 45, top + 140, 50, 55, -np.pi * 0.75, np.pi * 0.8, 30
    )
    bar = [(left + 92, top), (left + 165, top - 8)]
    return [body, bar]


def eight_as_two_loops(cx, top=60):
    """An 8 drawn as two stacked loops that do not touch."""
    return [arc(cx, top + 45, 38, 42, 0, 2 * np.pi, 40), arc(cx, top + 165, 45, 50, 0, 2 * np.pi, 40)]


def drawing_of(*shapes, size=(640, 320)) -> Drawing:
    drawing = Drawing(*size)
    for shape in shapes:
        for points in shape:
            drawing.add_stroke(points)
    return drawing


# --- recording --------------------------------------------------------------------------


def test_pen_width_follows_the_canvas_size():
    assert pen_width_for(640, 320) == round(config.PEN_WIDTH_FRACTION * 320)
    assert pen_width_for(1280, 640) == 2 * pen_width_for(640, 320)


def test_a_stroke_is_drawn_into_the_offscreen_image_with_a_round_pen():
    drawing = Drawing(200, 100, pen_width=10)
    assert drawing.is_empty and drawing.image.min() == 255
    drawing.begin(50, 50)
    assert drawing.image[50, 50] == 0  # the pen-down dot, before any motion
    drawing.extend(150, 50)
    stroke = drawing.end()
    assert stroke == Stroke(points=((50.0, 50.0), (150.0, 50.0)), width=10)
    column = drawing.image[:, 100]
    ink_rows = np.flatnonzero(column < 128)
    assert 9 <= len(ink_rows) <= 11  # the pen's width across the line
    assert ink_rows.min() >= 44 and ink_rows.max() <= 56
    # Round caps: ink reaches half a pen past the ends, not further.
    assert drawing.image[50, 46] < 128 and drawing.image[50, 40] == 255
    assert drawing.image[10, 100] == 255  # paper stays white


def test_motion_without_a_pen_down_draws_nothing():
    drawing = Drawing(100, 100)
    drawing.extend(50, 50)
    assert drawing.end() is None
    assert drawing.is_empty and drawing.image.min() == 255


def test_undo_removes_the_last_stroke_only():
    drawing = drawing_of(one(100), one(300))
    both = drawing.image.copy()
    removed = drawing.undo()
    assert removed.points == ((300.0, 60.0), (300.0, 260.0))
    assert drawing.image[160, 300] == 255 and drawing.image[160, 100] == 0
    assert np.array_equal(drawing.image, drawing_of(one(100)).image)
    assert not np.array_equal(drawing.image, both)
    assert drawing.undo() is not None and drawing.is_empty
    assert drawing.undo() is None
    assert drawing.image.min() == 255


def test_clear_empties_the_drawing():
    drawing = drawing_of(one(100))
    drawing.clear()
    assert drawing.is_empty and drawing.strokes == [] and drawing.image.min() == 255


def test_resize_keeps_strokes_and_gives_new_strokes_a_matching_pen():
    drawing = drawing_of(one(100))
    drawing.resize(1280, 640)
    assert drawing.image.shape == (640, 1280)
    assert drawing.image[160, 100] == 0
    assert drawing.pen_width == pen_width_for(1280, 640)
    assert drawing.strokes[0].width == pen_width_for(640, 320)


def test_a_stroke_in_progress_is_read_too():
    drawing = Drawing(640, 320)
    drawing.begin(100, 60)
    drawing.extend(100, 260)
    assert drawing.is_drawing and len(drawing.all_strokes()) == 1 and not drawing.strokes


# --- segmentation -----------------------------------------------------------------------


def strokes_of(*shapes, width=19):
    return [Stroke(tuple(map(tuple, points)), width) for shape in shapes for points in shape]


def test_a_four_drawn_in_two_crossing_strokes_is_one_digit():
    assert len(group_strokes(strokes_of(four_in_two_strokes(100)))) == 1


def test_an_eight_of_two_loops_that_do_not_touch_is_one_digit():
    strokes = strokes_of(eight_as_two_loops(200))
    assert strokes[0].bottom < strokes[1].top  # apart
    assert len(group_strokes(strokes)) == 1


def test_a_five_with_a_detached_top_bar_is_one_digit():
    strokes = strokes_of(five_with_detached_bar(100))
    body, bar = strokes
    assert body.top > bar.bottom  # apart
    assert len(group_strokes(strokes)) == 1


def test_digits_written_apart_are_separate_and_ordered_left_to_right():
    # Drawn right to left: 7 first, then 0, then 1.
    groups = group_strokes(strokes_of(seven(420), zero(280), one(120)))
    assert len(groups) == 3
    lefts = [min(s.left for s in group) for group in groups]
    assert lefts == sorted(lefts)
    assert groups[0][0].points[0][0] == 120


def test_a_number_with_multi_stroke_digits_keeps_each_digit_whole():
    groups = group_strokes(strokes_of(five_with_detached_bar(40), four_in_two_strokes(250), one(480)))
    assert [len(group) for group in groups] == [2, 2, 1]


def test_dots_and_slips_of_the_pen_beside_a_digit_are_no_digit():
    dot = [[(300, 150)]]  # a tap: one point
    dash = [[(60, 240), (66, 262)]]  # a short slip, left of and below the 1
    groups = group_strokes(strokes_of(one(200), dot, dash))
    assert len(groups) == 1 and groups[0][0].points == tuple(one(200)[0])
    # The bound is DOT_FRACTION of the tallest digit's height (200 px plus the pen's caps,
    # 219 px): a 1 just taller than a quarter of that is a digit, one just shorter is not.
    tall_enough = one(400, top=200, bottom=200 + (config.DOT_FRACTION + 0.02) * 219 - 19)
    too_small = one(400, top=200, bottom=200 + (config.DOT_FRACTION - 0.02) * 219 - 19)
    assert len(group_strokes(strokes_of(one(200), tall_enough))) == 2
    assert len(group_strokes(strokes_of(one(200), too_small))) == 1


def test_a_drawing_of_dots_alone_has_no_digit(recognizer):
    taps = [[(100, 100)], [(200, 120)], [(300, 90), (305, 92)]]
    assert group_strokes(strokes_of(taps)) == []
    reading = read_strokes(strokes_of(taps), recognizer)
    assert reading.is_empty and reading.label() == EMPTY_MESSAGE
    # A small digit alone is still a digit, once it is more than DOT_PEN_WIDTHS pens long.
    small = (config.DOT_PEN_WIDTHS + 0.2) * 19 - 19
    assert len(group_strokes(strokes_of(one(100, top=100, bottom=100 + small)))) == 1


def test_no_strokes_no_groups():
    assert group_strokes([]) == []


def test_render_digit_normalises_size_and_pen():
    small = render_digit(strokes_of(one(100, 100, 150), width=30))
    large = render_digit(strokes_of(one(100, 0, 300), width=5))
    assert small.shape == large.shape
    assert np.array_equal(small, large)


# --- reading ----------------------------------------------------------------------------


class CountingRecognizer:
    """The real recognizer, counting inference calls."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self.calls = []

    def predict_patches(self, patches):
        self.calls.append(len(patches))
        return self.recognizer.predict_patches(patches)


def test_a_number_is_read_left_to_right_in_one_batched_call(recognizer):
    counting = CountingRecognizer(recognizer)
    reading = read_drawing(drawing_of(one(100), zero(250), seven(400)), counting)
    assert counting.calls == [3]
    assert reading.number == "107"
    assert [d.box[0] for d in reading.digits] == sorted(d.box[0] for d in reading.digits)
    assert all(d.patch.shape == (28, 28) and d.patch.dtype == np.float32 for d in reading.digits)
    assert reading.is_confident()
    assert reading.label().startswith("107 (1 ")


def test_multi_stroke_digits_are_read_as_the_digit(recognizer):
    strokes = strokes_of(
        four_in_two_strokes(40), five_with_detached_bar(200), eight_as_two_loops(520)
    )
    reading = read_strokes(strokes, recognizer)
    assert reading.number == "458"


def test_a_digit_with_a_stray_dot_reads_as_the_digit(recognizer):
    reading = read_strokes(strokes_of(seven(200), [[(420, 120)]], [[(80, 280)]]), recognizer)
    assert reading.number == "7" and reading.is_confident()


def test_an_empty_drawing_says_draw_a_digit(recognizer):
    counting = CountingRecognizer(recognizer)
    reading = read_drawing(Drawing(640, 320), counting)
    assert reading.is_empty and reading.number == ""
    assert reading.label() == EMPTY_MESSAGE == "Draw a digit"
    assert not reading.is_confident()


def reading_of(*confidences_and_digits):
    digits = []
    for digit, confidence in confidences_and_digits:
        probabilities = [(1 - confidence) / 9] * 10
        probabilities[digit] = confidence
        digits.append(
            Digit(
                box=(0, 0, 1, 1),
                patch=np.zeros((28, 28), np.float32),
                prediction=Prediction.from_probabilities(probabilities),
            )
        )
    return NumberReading(tuple(digits))


def test_labels_read_like_the_tutorial_and_say_when_unsure():
    assert reading_of((7, 0.98)).label() == "7, 98%"
    assert reading_of((4, 0.41)).label() == "not sure: 4? 41%"
    assert reading_of((4, 0.98), (2, 0.95)).label() == "42 (4 98%, 2 95%)"
    assert reading_of((4, 0.98), (2, 0.41)).label() == "not sure: 42? (4 98%, 2? 41%)"
    assert reading_of((4, 0.98), (2, 0.41)).least_confident().prediction.digit == 2
    assert reading_of((7, 0.98)).label(min_confidence=0.99) == "not sure: 7? 98%"


@pytest.mark.parametrize("size", [(0, 10), (10, 0)])
def test_a_drawing_needs_a_size(size):
    with pytest.raises(ValueError, match="positive size"):
        Drawing(*size)


def test_a_scribble_is_not_read_with_confidence(recognizer):
    zigzag = [[(250 + (i % 2) * 120, 60 + i * 10) for i in range(21)]]
    reading = read_drawing(drawing_of(zigzag), recognizer)
    assert len(reading.digits) == 1
    assert not reading.is_confident()
    assert reading.is_rejected and reading.label() == "That does not look like a digit"


def test_ink_length_tells_a_digit_from_a_scribble():
    from recognizer.drawing.strokes import Stroke, ink_length

    one = [Stroke(((100.0, 50.0), (100.0, 250.0)), 19)]
    zero = [Stroke(tuple((100 + 60 * np.cos(t), 150 + 100 * np.sin(t))
                         for t in np.linspace(0, 2 * np.pi, 60)), 19)]
    zigzag = [Stroke(tuple((250.0 + (i % 2) * 120, 60.0 + i * 10) for i in range(21)), 19)]
    assert ink_length(one) < 1.0
    assert 2.0 < ink_length(zero) < 3.0
    assert ink_length(zigzag) > config.SCRIBBLE_INK_LENGTH


class SureOfSeven:
    """A model that reads everything as a confident 7 (to test rules beside the model)."""

    def predict_patches(self, patches):
        return [None if p is None else Prediction.from_probabilities([0.0] * 7 + [1.0, 0, 0])
                for p in patches]


def test_a_confident_guess_at_a_scribble_is_still_shown_unsure():
    zigzag = [[(250 + (i % 2) * 120, 60 + i * 10) for i in range(21)]]
    reading = read_drawing(drawing_of(zigzag), SureOfSeven())
    digit = reading.digits[0]
    assert digit.scribble
    assert not digit.is_confident(min_confidence=0.0)
    assert reading.label(min_confidence=0.0).startswith("not sure: ")
