"""The live loop: process_frame on generated paper frames, overlay pixels, keys, outputs,
failures, and the real OpenCV window under Xvfb."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import re
import shutil
import subprocess
import threading
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from recognizer.apps.webcam import display, loops, outputs, overlay, processing
from recognizer.core import config
from recognizer.detection.annotate import CONFIDENT_COLOUR
from recognizer.apps.cli import WEBCAM_KEYS, main
from recognizer.apps.webcam.sources import FrameSource, list_source, open_video
from recognizer.detection.tracking import box_iou, count_flips
from recognizer.detection.results import Detections, Digit
from tests.conftest import small_beside_big

# What the generated page says: two lines, three numbers.
LAYOUT = (((60, 70), "12"), ((330, 70), "345"), ((60, 250), "67890"))
DIGIT_HEIGHT = 80
DIGIT_GAP = 20


SAMPLE_DIGITS = config.PROJECT_ROOT / "samples" / "digits"


@pytest.fixture(scope="module")
def clean_digits():
    """Ink (uint8, 255 = full ink, cropped to the digit) of each of the bundled sample digits
    samples/digits/digit_D_*.jpg (MNIST test digits written on paper), so the tests run in
    any clone, without ../shared."""
    chosen = {}
    for label in range(10):
        (path,) = SAMPLE_DIGITS.glob(f"digit_{label}_*.jpg")
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).astype(np.float32)
        paper = float(np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])))
        ink = np.clip((paper - gray) / max(paper - float(gray.min()), 1.0), 0, 1)
        ink[ink < 0.25] = 0
        rows, cols = np.nonzero(ink)
        crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        chosen[label] = (crop * 255).astype(np.uint8)
    return chosen


def paper_frame(clean_digits, size=(640, 480), layout=LAYOUT, shift=(0, 0), light=True):
    """A BGR page with dark digits where `layout` says; returns (frame, truth) with truth a
    list of (box, digit) in reading order."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    paper = 230.0 - (25.0 * xs / width if light else 0.0)  # light falls off to the right
    frame = np.repeat(paper[..., None], 3, axis=2)
    truth = []
    for (x, y), text in layout:
        x += shift[0]
        y += shift[1]
        for char in text:
            image = clean_digits[int(char)]
            rows, cols = np.nonzero(image > 30)
            crop = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] / 255.0
            scale = DIGIT_HEIGHT / crop.shape[0]
            w = max(6, round(crop.shape[1] * scale))
            alpha = cv2.resize(crop.astype(np.float32), (w, DIGIT_HEIGHT), interpolation=cv2.INTER_CUBIC)
            alpha = np.clip(alpha, 0, 1)[..., None]
            region = frame[y : y + DIGIT_HEIGHT, x : x + w]
            region[:] = region * (1 - alpha) + np.array([90.0, 40.0, 20.0]) * alpha
            truth.append(((x, y, w, DIGIT_HEIGHT), int(char)))
            x += w + DIGIT_GAP
    return np.clip(frame, 0, 255).astype(np.uint8), truth


def match(truth_box, digits):
    best = max(digits, key=lambda d: box_iou(truth_box, d.box), default=None)
    return best if best is not None and box_iou(truth_box, best.box) >= 0.5 else None


def test_process_frame_finds_places_and_reads_every_digit(clean_digits, recognizer):
    frame, truth = paper_frame(clean_digits)
    result = processing.process_frame(frame, recognizer)
    assert len(result.detections.digits) == len(truth)
    for box, digit in truth:
        found = match(box, result.detections.digits)
        assert found is not None, f"digit {digit} at {box} not found"
        assert found.prediction.digit == digit
    assert result.numbers() == ["12", "345", "67890"]
    assert result.latency_ms > 0
    assert result.detections.mask.shape == frame.shape[:2]


def test_a_small_digit_split_from_a_big_one_stays_shown_between_rereadings(mnist_test, recognizer):
    """A small 2 against a big 0's foot is merged in as a fragment and split again once
    read (detection.fragments). Settled digits are read only every third frame; the merged
    candidate is read on every frame, so its two tracks see the same two boxes throughout
    and "0256" is shown on every frame once confirmed."""
    frame, every = small_beside_big(mnist_test), 3
    tracker, shown = None, []
    for _ in range(config.TRACK_CONFIRM_FRAMES + 3 * every):
        result = processing.process_frame(frame, recognizer, tracker, reread_every=every)
        tracker = result.tracker
        shown.append("".join(result.numbers()))
    assert shown[config.TRACK_CONFIRM_FRAMES:] == ["0256"] * (3 * every)


def test_process_frame_on_an_empty_page(recognizer):
    frame = np.full((480, 640, 3), 220, np.uint8)
    result = processing.process_frame(frame, recognizer)
    assert result.detections.digits == () and result.numbers() == []


def test_a_frame_of_texture_alone_shows_no_box(recognizer):
    """Blotchy skin-like texture, no paper: the detector finds candidates, the model says
    they are not digits, so nothing is shown over frames."""
    from recognizer.synth.negatives import texture_image

    gray = np.clip(texture_image("skin", np.random.default_rng(3), size=480), 0, 255)
    frame = cv2.cvtColor(cv2.resize(gray.astype(np.uint8), (640, 480)), cv2.COLOR_GRAY2BGR)
    tracker = None
    for _ in range(5):
        result = processing.process_frame(frame, recognizer, tracker)
        tracker = result.tracker
    assert result.raw.digits  # there were candidates to reject
    assert not result.detections.digits and result.numbers() == []


def test_a_mottled_surface_filling_the_frame_shows_no_box(recognizer):
    """A close-up of spots, no sheet: the tracks' votes are mostly "not a digit", so none of
    them is shown over frames, though a dozen candidates read as digits on their own."""
    from tests.conftest import spotted_closeup

    frame = spotted_closeup()
    tracker, results = None, []
    for i in range(6):  # shaken by a px or two, as a hand-held camera is
        shift = np.float32([[1, 0, (i % 3) - 1], [0, 1, (i % 2) * 2 - 1]])
        shaken = cv2.warpAffine(frame, shift, (640, 480), borderMode=cv2.BORDER_REFLECT)
        results.append(processing.process_frame(shaken, recognizer, tracker))
        tracker = results[-1].tracker
    read_as_digits = [d for d in results[0].raw.digits if d.prediction and d.prediction.is_digit]
    assert len(read_as_digits) >= 5  # one by one, a dozen spots read as digits
    assert all(not r.detections.digits and r.numbers() == [] and r.surface for r in results)
    record = outputs.detection_record(4, results[-1], config.MIN_CONFIDENCE)
    assert record["surface"] and not any(d["shown"] for d in record["digits"])


def test_json_lines_show_only_confirmed_digits():
    """A record's "shown" is what the overlay draws: a confirmed track voted a digit, not
    one voted "not a digit" nor an unconfirmed one."""
    from recognizer.core.records import Digit
    from recognizer.detection.results import Detections
    from recognizer.detection.tracking import TrackedReading, TrackerState
    from tests.conftest import sure_reading as vote

    raw = Detections(digits=tuple(
        Digit(box=(30 * i, 0, 20, 30), patch=None, line=0, number=i, prediction=vote(7))
        for i in range(3)), mask=np.zeros((40, 100), np.uint8))
    tracks = (TrackedReading(0, vote(7), vote(7)),
              TrackedReading(1, vote(config.REJECT_CLASS), vote(7)),
              TrackedReading(2, vote(7), vote(7), confirmed=False))
    result = processing.FrameResult(raw, raw, tracks, TrackerState(), 1.0)
    record = outputs.detection_record(0, result, config.MIN_CONFIDENCE)
    assert [d["shown"] for d in record["digits"]] == [True, False, False]
    assert "surface" not in record


def test_a_surface_frame_is_read_no_further(clean_digits, recognizer, monkeypatch):
    """A frame whose first readings are a surface's goes to no string reader (nor to the
    sharpening and deblurring after it): its chips are no touching digits."""
    from tests.conftest import spotted_closeup

    import recognizer.detection.rereading as rereading

    calls = []
    monkeypatch.setattr(rereading, "read_touching",
                        lambda frame, found, rec: calls.append(1) or found)
    result = processing.process_frame(spotted_closeup(), recognizer)
    assert result.surface and calls == []
    processing.process_frame(paper_frame(clean_digits)[0], recognizer)
    assert calls  # a page of digits is read on


def test_labels_are_stable_over_a_shaky_noisy_sequence(clean_digits, recognizer):
    rng = np.random.default_rng(1)
    tracker, per_track = None, {}
    for i in range(20):
        shift = (int(rng.integers(-6, 7)), int(rng.integers(-6, 7)))
        frame, truth = paper_frame(clean_digits, shift=shift)
        noisy = np.clip(frame + rng.normal(0, 8, frame.shape), 0, 255).astype(np.uint8)
        noisy = cv2.GaussianBlur(noisy, (0, 0), float(rng.uniform(0.5, 1.5)))
        result = processing.process_frame(noisy, recognizer, tracker)
        tracker = result.tracker
        assert len(result.detections.digits) == 10
        for track in result.tracks:
            per_track.setdefault(track.track_id, []).append(track.prediction.digit)
    # One track per digit for the whole sequence, and no label ever flips.
    assert len(per_track) == 10
    assert all(len(labels) == 20 for labels in per_track.values())
    assert sum(count_flips(labels) for labels in per_track.values()) == 0


class CountingRecognizer:
    """Wraps the real recognizer and counts the patches the model is asked to read."""

    def __init__(self, recognizer):
        self.recognizer = recognizer
        self.patches = 0

    def predict_patches(self, patches):
        self.patches += sum(p is not None for p in patches)
        return self.recognizer.predict_patches(patches)


def test_steady_page_is_read_sparingly_and_a_changed_digit_still_shows(clean_digits, recognizer):
    counting = CountingRecognizer(recognizer)
    before, _ = paper_frame(clean_digits, layout=(((60, 70), "12"), ((330, 70), "345")))
    after, _ = paper_frame(clean_digits, layout=(((60, 70), "12"), ((330, 70), "385")))
    tracker, shown = None, []
    for frame in [before] * 20 + [after] * 12:
        result = processing.process_frame(frame, counting, tracker, reread_every=3)
        tracker = result.tracker
        shown.append(result.numbers())
    assert shown[19] == ["12", "345"]
    assert shown[-1] == ["12", "385"]
    assert shown.index(["12", "385"]) <= 20 + 3 + config.TRACK_VOTES  # within a few frames
    # 5 digits x 32 frames = 160 readings if every digit were read every frame.
    assert counting.patches < 0.6 * 160


def test_only_the_digits_read_get_a_patch_unless_all_are_asked_for(clean_digits, recognizer):
    """On a steady page, a frame that re-reads no settled digit makes no patch for them;
    the same frame from the same state with all_patches (the inset, a snapshot) reads the
    same and carries every digit's patch."""
    frame, truth = paper_frame(clean_digits)
    tracker, lazy_frames = None, 0
    for index in range(12):
        before = tracker
        result = processing.process_frame(frame, recognizer, tracker, reread_every=3)
        tracker = result.tracker
        if index < 10 or all(d.patch is not None for d in result.raw.digits):
            continue
        lazy_frames += 1
        unread = [d for d in result.raw.digits if d.prediction is None]
        assert unread and all(d.patch is None for d in unread)
        full = processing.process_frame(frame, recognizer, before, reread_every=3,
                                        all_patches=True)
        assert len(full.raw.digits) == len(result.raw.digits) == len(truth)
        assert all(d.patch is not None and d.patch.shape == (28, 28) for d in full.raw.digits)
        assert [d.prediction for d in full.raw.digits] == [d.prediction for d in result.raw.digits]
        assert full.numbers() == result.numbers() == ["12", "345", "67890"]
    assert lazy_frames >= 1


def test_a_one_frame_blip_is_never_shown_but_a_lasting_digit_is(clean_digits, recognizer):
    page, _ = paper_frame(clean_digits, layout=(((60, 70), "12"),))
    blip, _ = paper_frame(clean_digits, layout=(((60, 70), "12"), ((400, 300), "7")))
    # A lone blip, gone long enough for its track to expire, then a 7 that stays.
    sequence = [page, page, blip] + [page] * (config.TRACK_MAX_MISSED + 1) + [blip] * 4
    tracker, shown, found = None, [], []
    for frame in sequence:
        result = processing.process_frame(frame, recognizer, tracker)
        tracker = result.tracker
        shown.append("".join(result.numbers()))
        found.append(len(result.raw.digits))
    assert found == [3 if frame is blip else 2 for frame in sequence]  # the 7 is always found
    # A 7 for one frame is a blip; seen on TRACK_CONFIRM_FRAMES (3) frames it is shown.
    assert shown == ["12"] * (len(sequence) - 2) + ["127"] * 2


def test_overlay_draws_boxes_status_hint_and_inset(clean_digits, recognizer):
    frame, truth = paper_frame(clean_digits)
    before = frame.copy()
    result = processing.process_frame(frame, recognizer)
    view = overlay.ViewState(fps=29.5)
    plain = overlay.draw_overlay(frame, result, view)
    assert np.array_equal(frame, before)  # pure: the input is untouched
    assert plain.shape == frame.shape
    # Each digit's box is drawn in the confident colour along its left edge.
    for box, _ in truth:
        x, y, w, h = next(d.box for d in result.detections.digits if box_iou(box, d.box) >= 0.5)
        edge = plain[y + h // 2, max(0, x - 2) : x + 3]
        assert (np.abs(edge.astype(int) - CONFIDENT_COLOUR).sum(axis=1) < 60).any()
    # Status bar on top and key hint at the bottom darken the page.
    assert plain[:20].mean() < frame[:20].mean() - 60
    assert plain[-10:].mean() < frame[-10:].mean() - 60
    # The inset (mask + patches) appears top right only when toggled on.
    inset = overlay.draw_overlay(frame, result, overlay.ViewState(fps=29.5, show_inset=True))
    x0 = frame.shape[1] - int(frame.shape[1] * config.INSET_WIDTH_FRACTION)
    region = (slice(60, 300), slice(x0, None))
    assert np.abs(inset[region].astype(int) - plain[region]).mean() > 20
    assert np.array_equal(inset[200:400, :200], plain[200:400, :200])
    # Patches are light strokes on black, as the model saw them.
    patch_view = overlay.patch_to_bgr(result.detections.digits[0].patch, 56)
    assert patch_view.shape == (56, 56, 3) and patch_view.max() > 200 and patch_view[0, 0, 0] == 0


def test_inset_shows_rejected_candidates_greyed():
    """The inset shows every candidate; one the model turned down is dimmed, pixel for pixel."""
    patch = np.zeros((28, 28), np.float32)
    patch[4:24, 12:16] = 1.0  # a bar, full white once enlarged
    digits = tuple(Digit(box=(10 + 40 * i, 10, 20, 30), patch=patch) for i in range(2))
    detections = Detections(digits=digits, mask=np.zeros((480, 640), np.uint8))
    image = np.zeros((480, 640, 3), np.uint8)
    shown = overlay.draw_inset(image, detections, greyed=(False, True))
    inset_w = int(640 * config.INSET_WIDTH_FRACTION)
    x0 = 640 - inset_w - 6
    size = min(config.INSET_PATCH, inset_w // 6 - 2)
    top = int(60 * overlay._text_scale(image)) + 10
    mask_h = int(round(480 * inset_w / 640))
    tiles = [shown[top + mask_h + 2 : top + mask_h + 2 + size,
                   x0 + 1 + c * (size + 2) : x0 + 1 + c * (size + 2) + size] for c in range(2)]
    assert tiles[0].max() == 255
    assert tiles[1].max() == int(255 * config.INSET_GREYED_BRIGHTNESS)
    # Without the flags every patch shows at full brightness.
    plain = overlay.draw_inset(image, detections)
    assert plain[top + mask_h + 2 : top + mask_h + 2 + size].max() == 255
    assert np.array_equal(plain[:, : x0 - 2], shown[:, : x0 - 2])


def test_status_shows_paused_and_threshold_changes_labels(clean_digits, recognizer):
    frame, _ = paper_frame(clean_digits)
    result = processing.process_frame(frame, recognizer)
    paused = overlay.draw_overlay(frame, result, overlay.ViewState(paused=True))
    running = overlay.draw_overlay(frame, result, overlay.ViewState(paused=False))
    top_right = (slice(0, 30), slice(frame.shape[1] - 120, None))
    assert not np.array_equal(paused[top_right], running[top_right])
    # Above every possible confidence every digit is unsure; at 0 every digit is sure.
    assert result.numbers(1.01) == ["??", "???", "?????"]
    assert result.numbers(0.0) == ["12", "345", "67890"]


def test_keys_map_to_actions():
    view = overlay.ViewState(min_confidence=0.7)
    assert loops.handle_key(ord("q"), view)[1] == "quit"
    assert loops.handle_key(27, view)[1] == "quit"
    assert loops.handle_key(ord("s"), view)[1] == "snapshot"
    assert loops.handle_key(ord(" "), view)[0].paused is True
    assert loops.handle_key(ord("t"), view)[0].show_inset is True
    assert loops.handle_key(ord("+"), view)[0].min_confidence == pytest.approx(0.75)
    assert loops.handle_key(ord("-"), view)[0].min_confidence == pytest.approx(0.65)
    assert loops.handle_key(0xFFAB, view)[0].min_confidence == pytest.approx(0.75)  # keypad +
    assert loops.handle_key(0x100071, view)[1] == "quit"  # q with a modifier bit set
    assert loops.handle_key(-1, view) == (view, None)
    high = overlay.ViewState(min_confidence=0.99)
    assert loops.handle_key(ord("+"), high)[0].min_confidence == 0.99


def test_snapshot_saves_annotated_raw_and_crops(clean_digits, recognizer, tmp_path):
    frame, truth = paper_frame(clean_digits)
    result = processing.process_frame(frame, recognizer)
    annotated = overlay.draw_overlay(frame, result, overlay.ViewState())
    folder = outputs.save_snapshot(tmp_path, frame, annotated, result)
    assert np.array_equal(cv2.imread(str(folder / "raw.png")), frame)
    assert cv2.imread(str(folder / "annotated.png")).shape == frame.shape
    crops = sorted(folder.glob("crop_*.png"))
    assert len(crops) == len(truth)
    assert cv2.imread(str(crops[0]), cv2.IMREAD_GRAYSCALE).shape == (28, 28)
    assert crops[0].stem.endswith("_1")  # the first digit of "12"


def read_video(path):
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def test_headless_writes_annotated_video_and_json_lines(clean_digits, recognizer, tmp_path):
    frames = [paper_frame(clean_digits, shift=(i, 0))[0] for i in range(6)]
    out = tmp_path / "o" / "page_annotated.mp4"
    log = []

    class Out:
        def write(self, text):
            log.append(text)

    count = loops.run_headless(
        list_source(frames, name="page"), recognizer, video_path=out, progress=False, out=Out()
    )
    assert count == 6
    assert "page: end of video" in "".join(log)
    video = read_video(out)
    assert len(video) == 6 and video[0].shape == frames[0].shape
    records = [json.loads(line) for line in (tmp_path / "o" / "page_detections.jsonl").open()]
    assert [r["frame"] for r in records] == list(range(6))
    assert records[-1]["numbers"] == ["12", "345", "67890"]
    first = records[0]["digits"][0]
    assert first["digit"] == 1 and first["confident"] and first["line"] == 0 and first["shown"]
    assert len(first["box"]) == 4 and first["track"] == records[-1]["digits"][0]["track"]


def interrupted_after(frames, count):
    """A frame generator that is Ctrl+C'd after `count` frames (and notes its clean-up)."""
    state = {"closed": False}

    def generate():
        try:
            for i, frame in enumerate(frames):
                if i == count:
                    raise KeyboardInterrupt
                yield frame
        finally:
            state["closed"] = True

    return FrameSource("camera 0", generate(), fps=10.0, live=True), state


def test_camera_recording_plays_at_the_rate_the_loop_reached(tmp_path):
    ticks = iter(np.arange(0, 100, 0.1))  # the loop manages 10 frames a second
    recorder = outputs.Recorder(tmp_path / "cam.mp4", 30.0, measure=True, clock=lambda: next(ticks))
    for i in range(config.RECORD_MEASURE_FRAMES + 5):
        recorder.write(np.full((48, 64, 3), i * 10 % 255, np.uint8))
    recorder.close()
    capture = cv2.VideoCapture(str(tmp_path / "cam.mp4"))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10.0, abs=0.5)
    capture.release()
    assert len(read_video(tmp_path / "cam.mp4")) == config.RECORD_MEASURE_FRAMES + 5
    short = outputs.Recorder(tmp_path / "short.mp4", 30.0, measure=True)
    short.write(np.zeros((48, 64, 3), np.uint8))
    short.close()  # stopped before the rate was measured: still a playable file
    assert len(read_video(tmp_path / "short.mp4")) == 1


def test_ctrl_c_headless_leaves_a_playable_video(clean_digits, recognizer, tmp_path):
    frame, _ = paper_frame(clean_digits)
    source, state = interrupted_after([frame] * 10, 4)
    out = tmp_path / "cut.mp4"
    with pytest.raises(KeyboardInterrupt):
        loops.run_headless(source, recognizer, video_path=out, progress=False)
    assert state["closed"]
    assert len(read_video(out)) == 4


def test_cli_camera_that_does_not_open_exits_1_with_advice(capsys):
    assert main(["webcam", "--camera", "63", "--headless"]) == 1
    err = capsys.readouterr().err
    assert "camera 63" in err and "--camera N" in err and "--source FILE" in err


def test_cli_without_display_runs_headless_into_out_webcam(clean_digits, tmp_path, monkeypatch, capsys):
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for i in range(5):
        writer.write(paper_frame(clean_digits, shift=(2 * i, 0))[0])
    writer.release()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(["webcam", "--source", str(video), "--max-frames", "3"]) == 0
    captured = capsys.readouterr()
    assert "no display found" in captured.err and "running headless" in captured.err
    assert len(read_video(tmp_path / "out" / "webcam" / "clip_annotated.mp4")) == 3
    lines = (tmp_path / "out" / "webcam" / "clip_detections.jsonl").read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["numbers"] == ["12", "345", "67890"]


def test_help_lists_every_key_the_window_handles(capsys):
    with pytest.raises(SystemExit):
        main(["webcam", "--help"])
    text = capsys.readouterr().out
    for key, what in WEBCAM_KEYS:  # each on its own line: the key, then what it does
        assert re.search(rf"^\s+{re.escape(key)}\s+{re.escape(what)}$", text, re.MULTILINE), key
    for option in ("--camera N", "--source FILE", "--size WxH", "--record OUT.mp4",
                   "--headless", "--min-confidence P"):
        assert option in text
    # The keys listed are the keys the loop acts on, and an unlisted key does nothing.
    listed = [name for key, _ in WEBCAM_KEYS for name in key.split(" / ")]
    codes = {"Esc": 27, "space": ord(" ")}
    for name in listed:
        view, action = loops.handle_key(codes.get(name, ord(name[0])), overlay.ViewState())
        assert action is not None or view != overlay.ViewState(), name
    assert loops.handle_key(ord("x"), overlay.ViewState()) == (overlay.ViewState(), None)


# --- the real window, under Xvfb -----------------------------------------------------------


def demo_clip(clean_digits, tmp_path, count):
    path = tmp_path / "window.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (640, 480))
    for i in range(count):
        writer.write(paper_frame(clean_digits, shift=(i % 5, 0))[0])
    writer.release()
    return path


def find_window(display, title, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--name", title], capture_output=True, text=True,
            env={"DISPLAY": display},
        ).stdout.split()
        if found:
            return found[-1]
        time.sleep(0.1)
    return None


def send_wm_delete(display, window_id):
    """Press the window's close button, as a window manager would: WM_DELETE_WINDOW."""
    xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11"))
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                    ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                    ("data", ctypes.c_long * 5)]

    class Event(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    dpy = xlib.XOpenDisplay(display.encode())
    event = Event()
    event.xclient.type = 33  # ClientMessage
    event.xclient.window = int(window_id)
    event.xclient.message_type = xlib.XInternAtom(dpy, b"WM_PROTOCOLS", 0)
    event.xclient.format = 32
    event.xclient.data[0] = xlib.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    xlib.XSendEvent(dpy, int(window_id), 0, 0, ctypes.byref(event))
    xlib.XFlush(ctypes.c_void_p(dpy))
    xlib.XCloseDisplay(ctypes.c_void_p(dpy))


def green_pixels(screen) -> int:
    """Pixels in the confident-box colour: the digit boxes drawn in the window."""
    if screen is None:
        return 0
    return int((np.abs(screen.astype(int) - CONFIDENT_COLOUR).sum(axis=2) < 40).sum())


needs_x_tools = pytest.mark.skipif(
    shutil.which("xdotool") is None or shutil.which("import") is None,
    reason="needs xdotool and ImageMagick's import (apt-get install xdotool imagemagick)",
)


@pytest.mark.slow
def test_window_shows_frames_and_closes_at_end_of_video(xvfb_display, clean_digits, recognizer, tmp_path):
    video = demo_clip(clean_digits, tmp_path, 8)
    record = tmp_path / "rec.mp4"
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    count = loops.run_window(open_video(video), recognizer, record=record, out=Out(), title="t1")
    assert count == 8
    assert "window.mp4: end of video" in "".join(lines)
    assert loops.window_closed("t1")  # destroyed on the way out
    recorded = read_video(record)
    assert len(recorded) == 8 and recorded[0].shape == (480, 640, 3)


@pytest.mark.slow
@needs_x_tools
def test_window_keys_and_screenshot(xvfb_display, clean_digits, recognizer, tmp_path):
    video = demo_clip(clean_digits, tmp_path, 400)
    shot = tmp_path / "screen.png"
    snapshots = tmp_path / "snaps"
    env = {"DISPLAY": xvfb_display}

    def user():
        window = find_window(xvfb_display, "t2")
        time.sleep(1.5)
        subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, timeout=10)
        subprocess.run(["xdotool", "key", "t"], env=env, timeout=10)
        for attempt in range(4):
            time.sleep(0.5)
            subprocess.run(["import", "-window", "root", str(shot)], env=env, timeout=20)
            if green_pixels(cv2.imread(str(shot))) > 200:
                break
            # On a bare Xvfb (no window manager) Qt now and then misses its first expose and
            # leaves the window black; mapping it again, as a window manager would, repaints.
            subprocess.run(["xdotool", "windowunmap", "--sync", window], env=env, timeout=10)
            subprocess.run(["xdotool", "windowmap", "--sync", window], env=env, timeout=10)
            subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, timeout=10)
        subprocess.run(["xdotool", "key", "s"], env=env, timeout=10)
        time.sleep(0.8)
        subprocess.run(["xdotool", "key", "q"], env=env, timeout=10)

    thread = threading.Thread(target=user, daemon=True)
    thread.start()
    count = loops.run_window(open_video(video), recognizer, snapshot_dir=snapshots, title="t2")
    thread.join(timeout=30)
    assert 0 < count < 400  # q quit before the end
    screen = cv2.imread(str(shot))
    assert screen is not None
    assert green_pixels(screen) > 200  # the digit boxes are on screen
    saved = list(snapshots.glob("*/annotated.png"))
    assert len(saved) == 1 and len(list(saved[0].parent.glob("crop_*.png"))) == 10


@pytest.mark.slow
@needs_x_tools
def test_closing_the_window_stops_the_loop_and_keeps_the_recording(
    xvfb_display, clean_digits, recognizer, tmp_path
):
    if ctypes.util.find_library("X11") is None:
        pytest.skip("needs libX11 to send the close request")
    video = demo_clip(clean_digits, tmp_path, 400)
    record = tmp_path / "rec.mp4"

    def user():
        window = find_window(xvfb_display, "t3")
        time.sleep(1.5)
        send_wm_delete(xvfb_display, window)

    thread = threading.Thread(target=user, daemon=True)
    thread.start()
    count = loops.run_window(open_video(video), recognizer, record=record, title="t3")
    thread.join(timeout=30)
    assert 0 < count < 400
    assert len(read_video(record)) == count


@pytest.mark.slow
def test_ctrl_c_in_window_releases_source_and_keeps_recording(xvfb_display, clean_digits, recognizer, tmp_path):
    frame, _ = paper_frame(clean_digits)
    source, state = interrupted_after([frame] * 10, 5)
    record = tmp_path / "rec.mp4"
    with pytest.raises(KeyboardInterrupt):
        loops.run_window(source, recognizer, record=record, title="t4")
    assert state["closed"]
    assert loops.window_closed("t4")
    assert len(read_video(record)) == 5


def test_a_display_that_does_not_answer_means_headless(monkeypatch, tmp_path):
    # A stale DISPLAY (a closed ssh session) must not reach Qt, which would abort.
    number = next(n for n in range(250, 300) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", f":{number}")
    assert display.display_available() is False
    monkeypatch.delenv("DISPLAY")
    assert display.display_available() is False


@pytest.mark.slow
def test_a_running_x_server_counts_as_a_display(xvfb_display, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert display.display_available() is True


def test_snapshot_into_an_unwritable_place_is_a_clear_error(tmp_path):
    from recognizer.detection.detector import Detections
    from recognizer.apps.webcam.outputs import OutputError, save_snapshot

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    frame = np.zeros((20, 20, 3), np.uint8)
    result = type("R", (), {"detections": Detections(digits=(), mask=np.zeros((20, 20), np.uint8))})()
    with pytest.raises(OutputError, match="snapshot"):
        save_snapshot(blocker, frame, frame, result)
    folder = save_snapshot(tmp_path / "ok", frame, frame, result)
    assert sorted(p.name for p in folder.iterdir()) == ["annotated.png", "mask.png", "raw.png"]
