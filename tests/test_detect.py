"""The detector on generated frames: MNIST test digits pasted on paper at known places."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.core import config
from recognizer.detection import detector
from recognizer.detection.annotate import draw_digits
from recognizer.detection.blobs import Blob
from recognizer.detection.detector import Detections, find_digits, read_digits
from recognizer.detection.fragments import split_fragments
from recognizer.detection.ink import threshold_ink
from recognizer.detection.order import reading_order
from recognizer.detection.sheet import Sheet
from recognizer.synth.scenes import render_scene
from tests.conftest import (
    confident_edits, paste_digits, pick, small_beside_big, spotted_closeup, sure_reading)


def test_blank_paper_has_no_digits():
    frame = paste_digits([], [])
    found = find_digits(frame)
    assert isinstance(found, Detections)
    assert found.digits == ()
    assert found.mask.shape == frame.shape[:2]
    assert found.mask.dtype == np.uint8


def test_two_lines_found_in_reading_order_with_numbers(mnist_test, recognizer):
    labels = [3, 1, 4, 7, 2, 9]
    # Line 0: "31" then a gap, "4"; line 1: "729" - placed out of order on purpose.
    places = [(60, 60), (110, 62), (330, 58), (80, 300), (130, 298), (180, 302)]
    frame = paste_digits(pick(mnist_test, labels), places, light=0.6)
    result = read_digits(frame, recognizer)
    assert len(result.digits) == 6
    assert [d.line for d in result.digits] == [0, 0, 0, 1, 1, 1]
    assert [d.number for d in result.digits] == [0, 0, 1, 2, 2, 2]
    for digit, (x, y) in zip(result.digits, places):
        bx, by, bw, bh = digit.box
        assert x - 4 <= bx and bx + bw <= x + 64 and y - 4 <= by and by + bh <= y + 64
        assert digit.patch.shape == (28, 28) and digit.patch.dtype == np.float32
    assert [d.prediction.digit for d in result.digits] == labels
    assert result.numbers() == ["31", "4", "729"]


def test_a_small_digit_low_at_a_big_ones_foot_stays_in_its_line():
    """A big 6, a small 2 low at its foot and a small 0 beyond, a little higher (a page of
    mixed sizes, tuning scene seed 101): the 6's nearest right neighbour is the 0 and the 2
    overlaps the 0 too little to link to it, so the 2 made a line of its own and was read
    after the 0. It links to its nearest left neighbour, the 6, as well: one line, 6 2 0."""
    six = Blob(0, 0, 60, 57, [1], 900)
    two = Blob(63, 47, 81, 63, [2], 120)
    zero = Blob(86, 29, 106, 51, [3], 150)
    ordered = reading_order([zero, six, two])
    assert [blob for blob, _, _ in ordered] == [six, two, zero]
    assert len({line for _, line, _ in ordered}) == 1


def test_find_digits_leaves_predictions_empty(mnist_test):
    frame = paste_digits(pick(mnist_test, [5, 6]), [(100, 100), (300, 100)])
    found = find_digits(frame)
    assert len(found.digits) == 2
    assert all(d.prediction is None for d in found.digits)
    assert found.numbers() == ["?", "?"]


def test_patches_made_later_are_the_patches_made_at_once(mnist_test):
    """find_digits(patches=False) finds the same digits without pixels; with_patches makes
    exactly the patches find_digits makes at once, for the digits asked for only."""
    frame = paste_digits(pick(mnist_test, [5, 6, 7]), [(100, 100), (300, 100), (200, 300)])
    eager = find_digits(frame)
    lazy = find_digits(frame, patches=False)
    assert [d.box for d in lazy.digits] == [d.box for d in eager.digits] and len(eager.digits) == 3
    assert all(d.patch is None for d in lazy.digits)
    some = lazy.with_patches([True, False, True])
    assert some.digits[1].patch is None and some.cropper is None
    for index in (0, 2):
        assert np.array_equal(some.digits[index].patch, eager.digits[index].patch)
    assert eager.with_patches([False] * 3) is eager  # patches made already


def test_unsure_digit_reads_as_question_mark(mnist_test, recognizer):
    frame = paste_digits(pick(mnist_test, [8]), [(200, 200)])
    result = read_digits(frame, recognizer)
    assert result.numbers(min_confidence=1.01) == ["?"]
    assert result.numbers(min_confidence=0.0) == [str(result.digits[0].prediction.digit)]


def test_broken_digit_is_merged(mnist_test, recognizer):
    """A 5 whose top bar is cut off from the body is still one digit."""
    five = pick(mnist_test, [5])[0].copy()
    rows = np.flatnonzero(five.max(axis=1) > 0)
    five[rows[0] + 5 : rows[0] + 7, :] = 0  # a 2-row gap below the top bar
    frame = paste_digits([five], [(250, 150)], digit_px=84)
    result = read_digits(frame, recognizer)
    assert len(result.digits) == 1


def test_a_small_digit_beside_a_big_one_is_read_apart(mnist_test, recognizer):
    """A small 2 written against a big 0's foot (a third of its height, 3 px off it) is
    merged in as a fragment of the 0, as a broken-off stroke would be; read, both pieces
    are sure digits (a stroke piece reads as a 1), so they are kept apart. Before: "?56"
    (the pair read whole, unsure)."""
    frame = small_beside_big(mnist_test)
    assert len(find_digits(frame).digits[0].parts) == 2  # merged, with its two readings
    result = read_digits(frame, recognizer)
    assert "".join(d.text() for d in result.digits) == "0256"
    small = result.digits[1].box
    assert small[3] < 0.5 * result.digits[0].box[3]  # the 2's own box, not the merged one


def test_a_split_made_on_earlier_frames_holds_while_its_parts_read_as_digits(mnist_test, recognizer):
    """A small 4 against a big 0's foot reads as a 4 but unsure (0.54): on its own that is
    no split. A candidate read apart on earlier frames (the live loop's tracks follow its
    parts) stays apart while each part is still a digit, so it does not come and go."""
    x_test, y_test = mnist_test
    four = x_test[np.flatnonzero(y_test == 4)[5]]
    found = find_digits(small_beside_big(mnist_test, small=four))
    read = found.with_predictions(recognizer.predict_patches([d.patch for d in found.digits]))
    assert len(read.digits[0].parts) == 2
    assert len(split_fragments(read, recognizer).digits) == 3  # kept whole: the 4 is unsure
    held = split_fragments(read, recognizer, split_before=lambda digit: True)
    assert [d.prediction.digit for d in held.digits] == [0, 4, 5, 6]
    assert not held.digits[1].is_confident()


def test_ruled_line_and_speck_are_ignored(mnist_test):
    frame = paste_digits(pick(mnist_test, [2]), [(300, 200)])
    frame[400:402, 20:620] = 120  # a ruled line
    frame[100:103, 100:103] = 30  # a speck
    found = find_digits(frame)
    assert len(found.digits) == 1


def test_large_frame_boxes_in_full_resolution(mnist_test):
    frame = paste_digits(pick(mnist_test, [0, 6]), [(500, 600), (2200, 1500)],
                         size=(2400, 3200), digit_px=240)
    found = find_digits(frame)
    assert [d.box[0] // 100 for d in found.digits] == [5, 22]
    assert found.mask.shape == frame.shape[:2]


def test_draw_digits_is_pure_and_draws(mnist_test, recognizer):
    frame = paste_digits(pick(mnist_test, [1, 2]), [(100, 100), (170, 100)])
    before = frame.copy()
    result = read_digits(frame, recognizer)
    drawn = draw_digits(frame, result, config.MIN_CONFIDENCE)
    assert np.array_equal(frame, before)
    assert drawn.shape == frame.shape and drawn.dtype == np.uint8
    x, y, w, h = result.digits[0].box
    assert not np.array_equal(drawn[y - 3 : y + h + 3, x - 3 : x + w + 3],
                              frame[y - 3 : y + h + 3, x - 3 : x + w + 3])
    assert np.array_equal(drawn[400:, 400:], frame[400:, 400:])


def test_white_on_black_mnist_style_frame(mnist_test, recognizer):
    """Light ink on a dark ground (MNIST's own polarity) is read the right way round."""
    digits = pick(mnist_test, [0, 3])
    frame = 255 - cv2.cvtColor(paste_digits(digits, [(100, 100), (250, 100)]), cv2.COLOR_BGR2GRAY)
    result = read_digits(frame, recognizer)
    assert [d.prediction.digit for d in result.digits] == [0, 3]


def test_sheet_on_a_dark_table(mnist_test, recognizer):
    """A mostly dark photo (a small sheet on a dark table) is still dark ink on paper."""
    labels = [4, 7, 1]
    sheet = paste_digits(pick(mnist_test, labels), [(40, 40), (100, 40), (160, 40)],
                         size=(150, 240))
    frame = np.full((480, 640, 3), 40, np.uint8)
    frame[150:300, 200:440] = sheet
    result = read_digits(frame, recognizer)
    assert [d.prediction.digit for d in result.digits] == labels


def test_digits_on_a_ruled_line_and_in_a_box(mnist_test, recognizer):
    """A ruled line the digits rest on and a box drawn around a number are not digits, and
    the digits touching them are still found."""
    labels = [4, 1, 8, 6]
    frame = paste_digits(pick(mnist_test, labels), [(100, 100), (135, 100), (100, 300), (160, 300)])
    feet = 100 + int(np.flatnonzero(frame[100:160, 100:220].min(axis=(1, 2)) < 120)[-1])
    cv2.line(frame, (40, feet), (600, feet), (90, 90, 90), 3)  # the digits rest on it
    cv2.rectangle(frame, (85, 285), (240, 375), (90, 90, 90), 2)  # a box around "86"
    result = read_digits(frame, recognizer)
    assert [d.prediction.digit for d in result.digits] == labels
    assert result.numbers() == ["41", "86"]


def test_close_up_broken_into_pieces_is_one_digit(mnist_test, recognizer):
    """A tight photo of one digit whose stroke is broken in two is read as one digit
    in photo mode (whole_frame_fallback)."""
    seven = pick(mnist_test, [7])[0].copy()
    cols = np.flatnonzero(seven.max(axis=0) > 0)
    seven[:, cols[0] + 8 : cols[0] + 10] = 0  # a vertical gap through the top bar
    frame = paste_digits([seven], [(0, 0)], size=(120, 120), digit_px=120)
    result = read_digits(frame, recognizer, whole_frame_fallback=True, refine=True)
    assert len(result.digits) == 1
    assert result.digits[0].prediction.digit == 7


def test_marks_on_the_desk_around_the_sheet_are_not_digits(mnist_test):
    labels = [2, 5, 8, 0]
    places = [(150, 200), (230, 200), (310, 200), (390, 200)]
    frame = paste_digits(pick(mnist_test, labels), places)
    # A wooden desk (saturated brown, darker than paper) fills the top 120 rows, and on it
    # lies a digit-sized dark mark.
    frame[:120] = (40, 90, 150)
    cv2.ellipse(frame, (300, 60), (12, 28), 20, 0, 360, (20, 40, 70), 6)
    boxes = [d.box for d in find_digits(frame).digits]
    assert len(boxes) == 4, boxes
    assert all(y >= 120 for _, y, _, _ in boxes)
    # The same mark on the paper itself is a candidate: the filter is about the desk.
    frame[:120] = 225
    cv2.ellipse(frame, (300, 60), (12, 28), 20, 0, 360, (20, 40, 70), 6)
    assert len(find_digits(frame).digits) == 5


def test_a_filled_spot_the_threshold_fills_is_not_hollowed_into_a_ring():
    """A spot of a digit's size (an animal print's, a blot) is ink all through in the mask;
    the crop's paper estimate, a filter that sees only the spot's ink from its middle, must
    not read that ink as paper and hollow the patch into a ring (a confident "0")."""
    frame = np.full((480, 640), 180, np.uint8)
    for x in (120, 320, 520):
        cv2.ellipse(frame, (x, 240), (16, 22), 0, 0, 360, 50, -1)
    found = find_digits(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    assert len(found.digits) == 3
    for digit in found.digits:
        assert digit.patch[11:17, 11:17].min() > 0.5, digit.patch[11:17, 11:17]


def test_the_crop_levels_are_numpy_percentiles_from_a_partial_sort():
    from recognizer.detection.ink import _quantile

    rng = np.random.default_rng(1)
    for count in (1, 2, 3, 8, 501):
        values = rng.random(count).astype(np.float32)
        for share in (0.0, 0.25, 0.5, 1.0):
            assert _quantile(values, share) == pytest.approx(
                float(np.percentile(values, 100 * share)), abs=1e-6)


def test_a_filled_disc_is_seen_filled_and_a_drawn_zero_keeps_its_hole():
    """The threshold marks a large filled shape only along its edge; its patch must still
    show it filled (a ring would be a confident "0"), while a 0's paper hole stays empty."""
    frame = np.full((240, 480), 150, np.uint8)  # a plain grey field, no paper
    cv2.ellipse(frame, (120, 120), (45, 60), 20, 0, 360, 60, -1)  # filled, dark
    cv2.ellipse(frame, (360, 120), (30, 45), 0, 0, 360, 60, 6)  # a ring drawn with a pen
    found = find_digits(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    assert len(found.digits) == 2
    patches = {d.box[0] < 240: d.patch for d in found.digits}
    assert set(patches) == {True, False}
    disc, zero = patches[True], patches[False]
    assert disc[12:16, 12:16].min() > 0.5  # the disc's middle is ink
    assert zero[12:16, 12:16].max() < 0.2  # the 0's middle is paper


def test_pencil_on_a_sheet_framed_by_a_sliver_of_desk_is_not_erased_as_lines():
    """A sheet's upright view often keeps a px or two of the desk along its edges. That frame
    spans the view like squared paper's net of lines, but it does not cross the view's
    middle, so it must not set off the closing that erases lines as fine as a pencil's."""
    frame = np.full((480, 640, 3), 35, np.uint8)  # a dark desk
    frame[100:400, 220:440] = 215  # the sheet
    strokes = {  # three digits drawn 1 px wide in pencil grey, about 30 px tall
        "7": [(260, 150), (285, 150), (268, 180)],
        "1": [(320, 150), (322, 180)],
        "4": [(370, 150), (360, 170), (385, 170), (375, 160), (375, 182)],
    }
    for points in strokes.values():
        cv2.polylines(frame, [np.int32(points)], False, (120, 120, 120), 1, cv2.LINE_AA)
    # the outline found 2 px outside the paper, so the view has the desk along its edges
    sheet = Sheet(np.float32([[218, 98], [442, 98], [442, 402], [218, 402]]))
    boxes = sorted(d.box for d in find_digits(frame, sheet=sheet).digits)
    assert len(boxes) == 3, boxes
    for (x, y, w, h), points in zip(boxes, strokes.values()):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        assert x <= min(xs) + 2 and x + w >= max(xs) - 2, (boxes, points)
        assert y <= min(ys) + 2 and y + h >= max(ys) - 2, (boxes, points)


def test_faint_ringing_between_dark_strokes_does_not_join_them():
    """Compression leaves faint grey ringing around dark strokes; the hysteresis's weak
    level must not take it for ink, or it joins neighbouring digits into one piece. With
    the weak level at a share of the ink's depth (WEAK_INK_DEPTH_SHARE) the two rings stay
    apart; without it, a band 22 levels under the paper joins them."""
    frame = np.full((120, 200), 230, np.uint8)
    cv2.line(frame, (60, 60), (140, 60), 208, 6)  # the ringing between two dark rings
    cv2.circle(frame, (60, 60), 14, 60, 4)
    cv2.circle(frame, (140, 60), 14, 60, 4)
    pieces = {share: cv2.connectedComponents(threshold_ink(
        frame, False, config.BACKGROUND_KERNEL_FRACTION, config.SHEET_STRONG_INK, share))[0] - 1
        for share in (0.0, config.WEAK_INK_DEPTH_SHARE)}
    assert pieces == {0.0: 1, config.WEAK_INK_DEPTH_SHARE: 2}
    # a light pencil stroke (shallow ink) keeps its faint edge: the floor WEAK_INK rules
    pencil = np.full((120, 200), 230, np.uint8)
    cv2.line(pencil, (40, 60), (160, 60), 175, 3)
    masks = [threshold_ink(pencil, False, config.BACKGROUND_KERNEL_FRACTION,
                           config.SHEET_STRONG_INK, share)
             for share in (0.0, config.WEAK_INK_DEPTH_SHARE)]
    assert np.array_equal(masks[0], masks[1]) and masks[0].any()


def test_small_digits_on_a_heavily_compressed_sheet_are_read_apart(mnist_test, recognizer,
                                                                   monkeypatch):
    """Scene seed 3 (a test seed: no constant chosen on it), twelve frames JPEG-compressed at
    quality 25-45: the ringing around small digits joined them into one candidate, read as
    "not a digit".
    Measured (digits read confidently): 17 edits in 149 digits without the ink-depth share,
    8 with it (7 with a share of 0.25)."""
    rng = np.random.default_rng(3)
    scenes = [render_scene("jpeg", rng, *mnist_test) for _ in range(12)]

    def edits() -> int:
        return sum(confident_edits(read_digits(scene.frame, recognizer), scene.text)
                   for scene in scenes)

    with_share = edits()
    monkeypatch.setattr(config, "WEAK_INK_DEPTH_SHARE", 0.0)
    assert edits() - with_share >= 8


def test_the_weak_share_reaches_every_reading_of_the_ink(monkeypatch):
    """The ink-depth share is WEAK_INK_DEPTH_SHARE on a sheet's upright view, none on a
    whole frame, and an explicit `weak_share` (a deblurred frame read with its ink apart)
    reaches every threshold of the reading, the light-on-dark ones included."""
    shares = []
    real = detector.threshold_ink

    def recording(gray, light_on_dark=False, fraction=config.BACKGROUND_KERNEL_FRACTION,
                  strong=config.STRONG_INK, share=0.0):
        shares.append((light_on_dark, share))
        return real(gray, light_on_dark, fraction, strong, share)

    monkeypatch.setattr(detector, "threshold_ink", recording)
    desk = np.full((480, 640, 3), 40, np.uint8)  # a dark desk: both polarities are tried
    desk[100:400, 200:450] = 215  # a sheet
    cv2.circle(desk, (320, 250), 30, (30, 30, 30), 5)
    sheet = Sheet(np.float32([[200, 100], [449, 100], [449, 399], [200, 399]]))
    find_digits(desk, sheet=sheet)
    assert shares and {share for _, share in shares} == {config.WEAK_INK_DEPTH_SHARE}
    shares.clear()
    find_digits(desk, sheet=None, whole_frame_fallback=True)
    assert {light for light, _ in shares} == {False, True}  # both polarities were read
    assert {share for _, share in shares} == {0.0}
    shares.clear()
    find_digits(desk, sheet=None, whole_frame_fallback=True, weak_share=0.4)
    assert {light for light, _ in shares} == {False, True}
    assert {share for _, share in shares} == {0.4}


def test_a_tie_with_a_full_size_reading_that_found_nothing_reads_dark_ink():
    """The light-on-dark trial (on a reduced copy) found as many candidates as the dark
    reading, the full-size light reading none (a scene frame of training seed 18 did so and
    raised ValueError on a NaN height): the dark reading wins, no error."""
    from recognizer.detection.blobs import InkReading, components
    from recognizer.detection.polarity import reads_light_on_dark_tie

    gray = np.full((120, 160), 40, np.uint8)
    cv2.putText(gray, "7", (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 10, 6)  # darker ink
    mask = (gray < 25).astype(np.uint8) * 255
    labels, pieces = components(mask)
    dark = InkReading(mask, labels, pieces, pieces)
    empty = np.zeros_like(mask)
    light = InkReading(empty, np.zeros_like(labels), [], [])
    assert pieces and reads_light_on_dark_tie(gray, light, dark) is False


def _read_as(rejected: int, digits: int, in_rows: bool = False) -> Detections:
    """Detections of `rejected` candidates read "not a digit" and `digits` read as a sure 4,
    in rows of six (as writing stands) or scattered over the frame at random heights."""
    from recognizer.core.records import Digit

    labels = [config.REJECT_CLASS] * rejected + [4] * digits
    rng = np.random.default_rng(1)
    boxes = [(40 * (i % 6), 60 * (i // 6), 20, 30) if in_rows
             else (int(rng.integers(0, 600)), int(rng.integers(0, 440)), 20,
                   int(rng.integers(10, 60))) for i in range(len(labels))]
    return Detections(digits=tuple(
        Digit(box=box, patch=None, line=0, number=i, prediction=sure_reading(label))
        for i, (box, label) in enumerate(zip(boxes, labels))), mask=np.zeros((10, 10), np.uint8))


def test_a_surface_is_many_candidates_mostly_rejected_and_not_in_rows():
    minimum, share = config.SURFACE_MIN_REJECTED, config.SURFACE_MIN_SHARE
    most_digits = int(minimum * (1 - share) / share)  # read with `minimum` rejected: a surface
    assert _read_as(minimum, most_digits - 1).in_rows() < config.SURFACE_MAX_IN_ROWS
    assert _read_as(minimum, most_digits - 1).is_surface()
    assert not _read_as(minimum - 1, 0).is_surface()  # too few: a page's few scribbles
    assert not _read_as(minimum, most_digits + 2).is_surface()  # mostly digits
    assert not _read_as(0, 40).is_surface()
    # the same candidates in rows, as a page's words and numbers stand: no surface
    assert _read_as(minimum, most_digits - 1, in_rows=True).in_rows() == 1.0
    assert not _read_as(minimum, most_digits - 1, in_rows=True).is_surface()


def test_a_mottled_surface_filling_the_frame_shows_no_digit(recognizer, monkeypatch):
    """A close-up of spots (no sheet, grey enough to be read whole): the model rejects most
    of its 35 candidates, and the dozen it reads as digits are spots like the rest, so a
    camera's frame or a photo of it shows none. Without the rule they are shown (the end)."""
    frame = spotted_closeup()
    assert len(find_digits(frame).digits) >= 20
    assert not read_digits(frame, recognizer).digits_only().digits
    assert not read_digits(frame, recognizer, whole_frame_fallback=True).digits_only().digits
    for dx, dy in ((-2, 1), (1, -2), (2, 2)):  # a camera's shake moves it a few px
        shaken = cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, dy]]), (640, 480),
                                borderMode=cv2.BORDER_REFLECT)
        assert not read_digits(shaken, recognizer).digits_only().digits
    monkeypatch.setattr(config, "SURFACE_MIN_REJECTED", 10**6)
    assert len(read_digits(frame, recognizer).digits_only().digits) >= 5


def test_a_form_whose_printed_words_are_rejected_is_read_live_and_as_a_photo(recognizer):
    """A printed form filling the image: its words' letters are candidates the model
    rejects, many and most of them, as on a surface; but they stand in lines, so neither a
    camera's frame nor a photo of it is a surface, and its numbers are read."""
    form = np.full((480, 640, 3), 235, np.uint8)
    lines = ("Name  Mary Jones", "Order  40172", "Date  12 05 2026", "Room  318", "Phone  5550193")
    for row, text in enumerate(lines):
        cv2.putText(form, text, (30, 70 + 85 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3)
    for photo_mode in (False, True):
        found = read_digits(form, recognizer, whole_frame_fallback=photo_mode)
        rejected = sum(not d.is_digit for d in found.digits)
        assert rejected >= config.SURFACE_MIN_REJECTED  # by the count alone, a surface
        assert rejected >= config.SURFACE_MIN_SHARE * len(found.digits)
        assert found.in_rows() > config.SURFACE_MAX_IN_ROWS and not found.is_surface()
        read = "".join(str(d.prediction.digit) for d in found.digits_only().digits
                       if d.is_confident())
        assert all(number in read for number in ("40172", "12", "05", "2026", "318", "5550193"))


def test_a_tally_counts_confident_doubtful_unread_and_rejected():
    """Detections.tally, which the second readings (deblur, apart) compare readings by."""
    from recognizer.core.predict import Prediction
    from recognizer.core.records import Digit
    from recognizer.detection.results import Tally

    sure = Prediction.from_probabilities([0.9] + [0.0] * 9 + [0.1])
    unsure = Prediction.from_probabilities([0.4, 0.3] + [0.0] * 8 + [0.3])
    rejected = Prediction.from_probabilities([0.1] + [0.0] * 9 + [0.9])
    digits = tuple(Digit(box=(20 * i, 0, 12, 18), patch=None, line=0, number=i, prediction=p)
                   for i, p in enumerate([sure, sure, unsure, rejected, None]))
    scribble = Digit(box=(120, 0, 12, 18), patch=None, line=0, number=6, prediction=sure,
                     scribble=True)  # read sure, but a scribble: doubtful
    tally = Detections(digits=digits + (scribble,), mask=np.zeros((4, 4), np.uint8)).tally()
    assert tally == Tally(confident=2, doubtful=3, unread=1, rejected=1)
    assert Detections(digits=(), mask=np.zeros((4, 4), np.uint8)).tally() == Tally(0, 0, 0, 0)
