"""`recognizer webcam`: hold handwritten digits up to a camera and see them read live.

Three layers, so each can be tested alone:

- `process_frame(frame, recognizer, tracker)` -> `FrameResult`: find and read the digits
  (one batched inference call), fold them into the tracks and vote, so labels are steady;
  new tracks show once confirmed, and settled digits are re-read only every few frames.
  Pure apart from the model call: no window, no state outside its arguments (the next
  tracker state is part of the result; the clock that times it is a parameter).
- `draw_overlay(frame, result, view)` -> annotated frame: pure drawing, built on
  `annotate.draw_digits`, plus frame rate, latency, the numbers read, a one-line key hint and
  (toggled with t) an inset with the threshold mask and the 28x28 patches the model saw.
- `run_window` / `run_headless`: the loops, which only wire a `FrameSource` to
  `process_frame`, `draw_overlay` and a window, a recording, or files.

Keys in the window: q or Esc quit, space pause, s snapshot, t inset, + / - threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, TextIO

import cv2
import numpy as np

from recognizer import config
from recognizer.detect import Detections, find_digits
from recognizer.predict import Recognizer, RecognizerError
from recognizer.sources import FrameSize, FrameSource, open_source, parse_size
from recognizer.tracking import TrackedReading, TrackerState, digits_to_read, update_tracks

KEY_HELP = (
    ("q / Esc", "quit"),
    ("space", "pause / resume"),
    ("s", "save a snapshot (annotated frame, raw frame, digit crops)"),
    ("t", "show / hide the inset (threshold mask and the 28x28 patches)"),
    ("+ / -", "raise / lower the confidence threshold"),
)
HINT_LINE = "q quit  space pause  s snapshot  t inset  +/- threshold"

HINT_COLOUR = (255, 255, 255)
PANEL_COLOUR = (30, 30, 30)
STATUS_COLOUR = (80, 255, 80)
PAUSED_COLOUR = (0, 200, 255)


class OutputError(RecognizerError):
    """A recording or output file cannot be written."""


# --- processing -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class FrameResult:
    """One processed frame: what to show (confirmed tracks with their voted predictions),
    everything the detector found with this frame's own readings, the tracker state to
    pass to the next frame, and the time it took."""

    detections: Detections  # shown: digits of confirmed tracks, carrying the voted prediction
    raw: Detections  # all digits found in this frame, with this frame's own readings
    tracks: tuple[TrackedReading, ...]  # per raw digit, same order: track id, vote, confirmed
    tracker: TrackerState  # give this to the next process_frame call
    latency_ms: float  # detection + reading + tracking, wall time

    def numbers(self, min_confidence: float = config.MIN_CONFIDENCE) -> list[str]:
        return self.detections.numbers(min_confidence)


def process_frame(
    frame: np.ndarray,
    recognizer: Recognizer,
    tracker: TrackerState | None = None,
    clock: Callable[[], float] = time.perf_counter,
    reread_every: int = config.TRACK_REREAD_EVERY,
) -> FrameResult:
    """Find, read (one batched call) and track the digits of one BGR frame.

    Digits of settled tracks are read only every `reread_every` frames (their vote stands
    in between; `raw` then holds None for them); 1 reads every digit in every frame.
    """
    start = clock()
    found = find_digits(frame)
    need = digits_to_read(tracker, [digit.box for digit in found.digits], reread_every)
    predictions = recognizer.predict_patches(
        [digit.patch if read else None for digit, read in zip(found.digits, need)]
    )
    raw = Detections(
        digits=tuple(replace(d, prediction=p) for d, p in zip(found.digits, predictions)),
        mask=found.mask,
    )
    tracker, tracks = update_tracks(tracker or TrackerState(), raw.digits)
    voted = tuple(
        replace(digit, prediction=reading.prediction)
        for digit, reading in zip(raw.digits, tracks)
        if reading.confirmed
    )
    detections = Detections(digits=voted, mask=raw.mask)
    return FrameResult(detections, raw, tracks, tracker, (clock() - start) * 1000.0)


# --- drawing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewState:
    """What the overlay shows besides the detections: user toggles and measured rates."""

    min_confidence: float = config.MIN_CONFIDENCE
    show_inset: bool = False
    paused: bool = False
    fps: float | None = None  # frames per second of the whole loop, None before measured
    message: str = ""  # a short note (e.g. "snapshot saved"), shown for a moment


def _text(image, text, origin, scale=0.5, colour=HINT_COLOUR, thickness=1) -> None:
    cv2.putText(
        image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA
    )


def _panel(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.65) -> None:
    """Darken a rectangle in place so that text on it reads on any background."""
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.shape[1], x1), min(image.shape[0], y1)
    if x1 > x0 and y1 > y0:
        region = image[y0:y1, x0:x1]
        region[:] = (region * (1 - alpha) + np.array(PANEL_COLOUR) * alpha).astype(np.uint8)


def _text_scale(image: np.ndarray) -> float:
    return float(np.clip(image.shape[1] / 1100.0, 0.4, 1.0))


def draw_status(image: np.ndarray, result: FrameResult, view: ViewState) -> np.ndarray:
    """Top bar: frame rate, per-frame latency, digit count, threshold and the numbers read."""
    out = image.copy()
    scale = _text_scale(out)
    line_height = int(30 * scale) + 6
    fps = f"{view.fps:5.1f} fps" if view.fps is not None else "  -- fps"
    status = (
        f"{fps}  {result.latency_ms:5.1f} ms/frame  {len(result.detections.digits)} digits  "
        f"min conf {view.min_confidence:.2f}"
    )
    numbers = result.numbers(view.min_confidence)
    reading = "read: " + (" ".join(numbers) if numbers else "(no digits)")
    _panel(out, 0, 0, out.shape[1], 2 * line_height + 4)
    _text(out, status, (8, line_height - 6), scale, STATUS_COLOUR)
    _text(out, reading, (8, 2 * line_height - 6), scale, HINT_COLOUR)
    if view.paused:
        label = "PAUSED"
        (w, _), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
        _text(out, label, (out.shape[1] - w - 8, line_height - 6), scale, PAUSED_COLOUR, 2)
    return out


def draw_hint(image: np.ndarray, message: str = "") -> np.ndarray:
    """Bottom line: the keys (or a passing message such as 'snapshot saved')."""
    out = image.copy()
    scale = _text_scale(out) * 0.9
    height = int(26 * scale) + 8
    _panel(out, 0, out.shape[0] - height, out.shape[1], out.shape[0])
    _text(out, message or HINT_LINE, (8, out.shape[0] - 8), scale,
          PAUSED_COLOUR if message else HINT_COLOUR)
    return out


def patch_to_bgr(patch: np.ndarray, size: int) -> np.ndarray:
    """A 28x28 float patch (light on dark, as the model sees it) enlarged to size x size."""
    gray = np.clip(np.asarray(patch, np.float32) * 255.0, 0, 255).astype(np.uint8)
    gray = cv2.resize(gray, (size, size), interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def draw_inset(image: np.ndarray, detections: Detections) -> np.ndarray:
    """Top-right inset: the threshold mask (reduced) and below it the patches the model saw."""
    out = image.copy()
    height, width = out.shape[:2]
    inset_w = max(80, int(width * config.INSET_WIDTH_FRACTION))
    mask = detections.mask
    inset_h = max(1, int(round(mask.shape[0] * inset_w / max(mask.shape[1], 1))))
    mask_small = cv2.resize(mask, (inset_w, inset_h), interpolation=cv2.INTER_AREA)
    mask_bgr = cv2.cvtColor(mask_small, cv2.COLOR_GRAY2BGR)
    patches = [d.patch for d in detections.digits if d.patch is not None]
    patches = patches[: config.INSET_MAX_PATCHES]
    size = min(config.INSET_PATCH, inset_w // 6 - 2)
    per_row = max(1, inset_w // (size + 2))
    rows = (len(patches) + per_row - 1) // per_row
    grid = np.full((rows * (size + 2) + 2 if rows else 0, inset_w, 3), 40, np.uint8)
    for i, patch in enumerate(patches):
        r, c = divmod(i, per_row)
        y, x = 2 + r * (size + 2), 1 + c * (size + 2)
        grid[y : y + size, x : x + size] = patch_to_bgr(patch, size)
    panel = np.vstack([mask_bgr, grid]) if len(grid) else mask_bgr
    top = int(60 * _text_scale(out)) + 10  # below the status bar
    x0 = width - inset_w - 6
    panel = panel[: max(0, height - top - 40)]
    out[top : top + len(panel), x0 : x0 + inset_w] = panel
    cv2.rectangle(out, (x0 - 1, top - 1), (x0 + inset_w, top + len(panel)), (255, 255, 255), 1)
    return out


def draw_overlay(frame: np.ndarray, result: FrameResult, view: ViewState) -> np.ndarray:
    """The whole window picture: digits, status, optional inset, key hint. A new image."""
    from recognizer.annotate import draw_digits

    out = draw_digits(frame, result.detections, view.min_confidence)
    out = draw_status(out, result, view)
    if view.show_inset:
        out = draw_inset(out, result.detections)
    return draw_hint(out, view.message)


# --- outputs ----------------------------------------------------------------------------------


def open_video_writer(path: Path, fps: float, size: tuple[int, int]):
    """An MPEG-4 writer for (width, height) frames; OutputError when it cannot be opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*config.VIDEO_FOURCC), fps, size)
    if not writer.isOpened():
        raise OutputError(
            f"cannot write video {path} (OpenCV has no MPEG-4 encoder here?); "
            "try a path ending in .avi, or leave out --record"
        )
    return writer


class Recorder:
    """Writes frames to a video opened once its size (and, live, its rate) is known.

    A file plays back at the rate its frames were written: the source's own rate, or for a
    camera (`measure=True`) the rate the loop actually reached over its first
    RECORD_MEASURE_FRAMES frames, which are held until then. Always `close()` it (the loops
    do so in `finally`): release() writes the file's index, without which an .mp4 does not
    play.
    """

    def __init__(
        self, path: Path | None, fps: float, measure: bool = False,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.path = path
        self.fps = fps
        self.frames = 0
        self._measure = measure
        self._clock = clock
        self._held: list[np.ndarray] = []
        self._times: list[float] = []
        self._writer = None

    def write(self, frame: np.ndarray) -> None:
        if self.path is None:
            return
        self.frames += 1
        if self._writer is None:
            self._held.append(frame)
            self._times.append(self._clock())
            if self._measure and len(self._held) < config.RECORD_MEASURE_FRAMES:
                return
            self._open()
            return
        self._writer.write(frame)

    def _open(self) -> None:
        if self._measure and len(self._times) >= 2 and self._times[-1] > self._times[0]:
            measured = (len(self._times) - 1) / (self._times[-1] - self._times[0])
            self.fps = float(min(self.fps, max(1.0, measured)))
        height, width = self._held[0].shape[:2]
        self._writer = open_video_writer(self.path, self.fps, (width, height))
        for held in self._held:
            self._writer.write(held)
        self._held, self._times = [], []

    def close(self) -> None:
        if self._writer is None and self._held:
            self._open()
        if self._writer is not None:
            self._writer.release()
            self._writer = None


def detection_record(index: int, result: FrameResult, min_confidence: float) -> dict:
    """One JSON-lines record: the numbers shown and every digit found (box, voted reading,
    this frame's own reading, and whether it is shown: its track is confirmed)."""
    digits = []
    for raw, track in zip(result.raw.digits, result.tracks):
        entry = {
            "box": [int(v) for v in raw.box],
            "line": raw.line,
            "number": raw.number,
            "track": track.track_id,
            "shown": track.confirmed,
            "read": raw.prediction is not None,  # False: settled, its vote stood this frame
            "digit": None,
            "confidence": None,
            "confident": False,
            "raw_digit": raw.prediction.digit if raw.prediction else None,
        }
        if track.prediction is not None:
            entry.update(
                digit=track.prediction.digit,
                confidence=round(track.prediction.confidence, 4),
                confident=track.prediction.is_confident(min_confidence),
            )
        digits.append(entry)
    return {
        "frame": index,
        "latency_ms": round(result.latency_ms, 2),
        "numbers": result.numbers(min_confidence),
        "digits": digits,
    }


def save_snapshot(
    folder: Path, frame: np.ndarray, annotated: np.ndarray, result: FrameResult
) -> Path:
    """Write annotated.png, raw.png, mask.png and crop_NN_D.png (each 28x28 patch) to a new
    time-stamped folder under `folder`; returns that folder."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
    target = folder / stamp
    images = {"annotated.png": annotated, "raw.png": frame, "mask.png": result.detections.mask}
    for i, digit in enumerate(result.detections.digits):
        if digit.patch is None:
            continue
        label = digit.prediction.digit if digit.prediction is not None else "x"
        images[f"crop_{i:02d}_{label}.png"] = np.clip(digit.patch * 255.0, 0, 255).astype(np.uint8)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the snapshot folder {target}: {exc}") from exc
    for name, image in images.items():
        if not cv2.imwrite(str(target / name), image):
            raise OutputError(f"cannot write the snapshot {target / name}; check the folder")
    return target


# --- loops ------------------------------------------------------------------------------------


def clamp_confidence(value: float) -> float:
    low, high = config.CONFIDENCE_BOUNDS
    return round(min(high, max(low, value)), 2)


# waitKeyEx codes of the keypad's + and - (X11 keysyms; Qt on Linux passes them through).
_NUMPAD_KEYS = {0xFFAB: ord("+"), 0xFFAD: ord("-")}


def handle_key(key: int, view: ViewState) -> tuple[ViewState, str | None]:
    """Apply a key press to the view. Returns the new view and an action for the loop:
    'quit', 'snapshot' or None. Pure, so the key map is testable without a window."""
    if key < 0:
        return view, None
    key = _NUMPAD_KEYS.get(key, key & 0xFF)
    if key in (ord("q"), ord("Q"), 27):
        return view, "quit"
    if key == ord(" "):
        return replace(view, paused=not view.paused), None
    if key in (ord("s"), ord("S")):
        return view, "snapshot"
    if key in (ord("t"), ord("T")):
        return replace(view, show_inset=not view.show_inset), None
    if key in (ord("+"), ord("="), ord("-"), ord("_")):
        step = config.CONFIDENCE_STEP if key in (ord("+"), ord("=")) else -config.CONFIDENCE_STEP
        return replace(view, min_confidence=clamp_confidence(view.min_confidence + step)), None
    return view, None


def _smoothed(previous: float | None, interval: float) -> float | None:
    if interval <= 0:
        return previous
    rate = 1.0 / interval
    if previous is None:
        return rate
    return previous + config.FPS_SMOOTHING * (rate - previous)


def _wait_ms(source: FrameSource, view: ViewState, frame_start: float) -> int:
    """How long to wait for a key: a video file plays at its own frame rate (a camera
    sets its pace itself); while paused, poll the keys a few times a second."""
    if view.paused:
        return 30
    if source.live or not source.fps:
        return 1
    remaining = 1.0 / source.fps - (time.perf_counter() - frame_start)
    return max(1, int(remaining * 1000))


def _quiet_qt_fonts() -> None:
    """OpenCV's Qt build looks for fonts in its own (empty) folder and complains on every
    start; point it at the system's fonts where they exist."""
    if "QT_QPA_FONTDIR" not in os.environ:
        for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts"):
            if Path(folder).is_dir():
                os.environ["QT_QPA_FONTDIR"] = folder
                break


def window_closed(title: str) -> bool:
    """True once the user closed the window with its close button."""
    try:
        return cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:
        return True


def run_window(
    source: FrameSource,
    recognizer: Recognizer,
    view: ViewState = ViewState(),
    record: Path | None = None,
    snapshot_dir: Path = config.SNAPSHOT_DIR,
    max_frames: int | None = None,
    title: str = config.WINDOW_TITLE,
    out: TextIO = sys.stdout,
) -> int:
    """The live loop in an OpenCV window. Returns the number of frames processed.

    Releases the source, destroys the window and closes the recording however it ends:
    q/Esc, the window's close button, end of stream, Ctrl+C, or an error.
    """
    recorder = Recorder(record, source.fps, measure=source.live)
    frames = iter(source.frames)
    processed = 0
    tracker = None
    frame = annotated = result = None
    message_until = 0.0
    last = time.perf_counter()
    try:
        _quiet_qt_fonts()
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        sized = False
        while max_frames is None or processed < max_frames:
            if not view.paused or frame is None:
                frame_start = time.perf_counter()
                frame = next(frames, None)
                if frame is None:
                    print(source.end_message, file=out)
                    break
                result = process_frame(frame, recognizer, tracker)
                tracker = result.tracker
                processed += 1
                now = time.perf_counter()
                view = replace(view, fps=_smoothed(view.fps, now - last))
                last = now
            if view.message and time.perf_counter() > message_until:
                view = replace(view, message="")
            annotated = draw_overlay(frame, result, view)
            if not view.paused:
                recorder.write(annotated)
            if not sized:  # open at the frame's own size; the user may resize it
                cv2.resizeWindow(title, annotated.shape[1], annotated.shape[0])
                sized = True
            cv2.imshow(title, annotated)
            key = cv2.waitKeyEx(_wait_ms(source, view, frame_start))
            if window_closed(title):
                break
            view, action = handle_key(key, view)
            if action == "quit":
                break
            if action == "snapshot":
                try:  # a full disk must not end a live session: say so and go on
                    message = f"snapshot saved to {save_snapshot(snapshot_dir, frame, annotated, result)}"
                except OutputError as exc:
                    message = f"snapshot failed: {exc}"
                print(message, file=out)
                view = replace(view, message=message)
                message_until = time.perf_counter() + 2.0
            if view.paused:
                last = time.perf_counter()  # a pause is not a slow frame
    finally:
        source.close()
        recorder.close()
        cv2.destroyAllWindows()
        cv2.waitKey(1)  # let HighGUI process the destroy on GTK/Qt
        if record is not None and recorder.frames:
            print(f"recording saved to {record} ({recorder.frames} frames)", file=out)
    return processed


def default_output_stem(source: FrameSource) -> str:
    return Path(source.name).stem.replace(" ", "") or "webcam"


def run_headless(
    source: FrameSource,
    recognizer: Recognizer,
    min_confidence: float = config.MIN_CONFIDENCE,
    video_path: Path | None = None,
    jsonl_path: Path | None = None,
    max_frames: int | None = None,
    progress: bool = True,
    out: TextIO = sys.stdout,
) -> int:
    """Process the source without a window: annotated video + JSON lines per frame.

    Returns the number of frames processed; progress goes to stderr (tqdm).
    """
    from tqdm import tqdm

    stem = default_output_stem(source)
    video_path = video_path or config.WEBCAM_OUTPUT_DIR / f"{stem}_annotated.mp4"
    if jsonl_path is None:
        name = video_path.stem.removesuffix("_annotated")
        jsonl_path = video_path.with_name(f"{name}_detections.jsonl")
    jsonl_path.parent.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(video_path, source.fps, measure=source.live)
    view = ViewState(min_confidence=min_confidence)
    tracker = None
    processed = 0
    bar = tqdm(
        total=None, unit="frame", desc=source.name, disable=not progress, file=sys.stderr,
        dynamic_ncols=True,
    )
    last = time.perf_counter()
    try:
        with open(jsonl_path, "w", encoding="utf-8") as jsonl:
            for frame in source.frames:
                result = process_frame(frame, recognizer, tracker)
                tracker = result.tracker
                now = time.perf_counter()
                view = replace(view, fps=_smoothed(view.fps, now - last))
                last = now
                recorder.write(draw_overlay(frame, result, view))
                jsonl.write(json.dumps(detection_record(processed, result, min_confidence)) + "\n")
                processed += 1
                bar.update(1)
                bar.set_postfix_str(" ".join(result.numbers(min_confidence))[:40], refresh=False)
                if max_frames is not None and processed >= max_frames:
                    break
            else:
                bar.close()
                print(source.end_message, file=out)
    finally:
        bar.close()
        source.close()
        recorder.close()
        if processed:
            print(f"annotated video: {video_path}\ndetections (JSON lines): {jsonl_path}",
                  file=out)
    return processed


def _x_display_answers(display: str) -> bool:
    """Whether the X server named by `display` accepts a connection (libX11 via ctypes).

    OpenCV's Qt backend aborts the whole process when DISPLAY names a server that is gone
    (a stale ssh session), so ask first. Where libX11 cannot be loaded, assume it answers.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("X11")
    if name is None:
        return True
    try:
        xlib = ctypes.cdll.LoadLibrary(name)
    except OSError:
        return True
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = xlib.XOpenDisplay(display.encode())
    if not handle:
        return False
    xlib.XCloseDisplay(handle)
    return True


def display_available() -> bool:
    """Whether a window can be shown: always on Windows/macOS, else a reachable X11 display
    or a Wayland one."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY")
    return bool(display) and _x_display_answers(display)


# --- command line -----------------------------------------------------------------------------


def _keys_epilog() -> str:
    width = max(len(key) for key, _ in KEY_HELP)
    lines = ["keys in the window:"] + [f"  {key:<{width}}  {what}" for key, what in KEY_HELP]
    lines += [
        "",
        "without a display, or with --headless, the annotated video and one JSON line of",
        f"detections per frame go to {config.WEBCAM_OUTPUT_DIR}/NAME_annotated.mp4 and",
        f"NAME_detections.jsonl (NAME = the video's name, or camera0); --record sets the video",
        "path (the .jsonl goes beside it). Snapshots (s) go to "
        f"{config.SNAPSHOT_DIR}/TIME/.",
        "",
        "examples:",
        "  recognizer webcam                              # camera 0, in a window",
        "  recognizer webcam --camera 1 --size 1280x720",
        "  recognizer webcam --source samples/demo.mp4    # the bundled demo video",
        "  recognizer webcam --source samples/demo.mp4 --headless",
    ]
    return "\n".join(lines)


def _size(text: str) -> FrameSize:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_parser(subparsers) -> None:
    from recognizer.cli import add_model_arguments

    parser = subparsers.add_parser(
        "webcam",
        help="read digits live from a camera or a video file",
        description="Hold handwritten digits on paper up to a camera: every digit is boxed "
        "and labelled live with its confidence, numbers are read as a whole, labels are "
        "steadied over frames. A video file works in place of a camera.",
        epilog=_keys_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--camera", type=int, metavar="N", default=None,
        help=f"camera index for cv2.VideoCapture (default: {config.DEFAULT_CAMERA})",
    )
    where.add_argument("--source", metavar="FILE", default=None, help="read a video file instead")
    parser.add_argument(
        "--size", type=_size, metavar="WxH", default=None,
        help="frame size, e.g. 640x480 (asked of the camera; files are resized)",
    )
    parser.add_argument(
        "--record", type=Path, metavar="OUT.mp4", default=None,
        help="also write the annotated frames to this video",
    )
    parser.add_argument(
        "--headless", action="store_true",
        help="no window: write the annotated video and JSON-lines detections, show progress",
    )
    parser.add_argument(
        "--max-frames", type=int, metavar="N", default=None, help="stop after N frames"
    )
    add_model_arguments(parser, unsure="a digit is shown as unsure '?'")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from recognizer.cli import load_recognizer

    # The source first: a camera that does not open fails before the model loads.
    source = open_source(camera=args.camera, source=args.source, size=args.size)
    try:
        recognizer = load_recognizer(args)
    except BaseException:
        source.close()
        raise
    headless = args.headless or not display_available()
    if not args.headless and headless:
        print("no display found (DISPLAY unset or not answering): running headless",
              file=sys.stderr)
    if not headless:
        try:
            run_window(
                source, recognizer, ViewState(min_confidence=args.min_confidence),
                record=args.record, max_frames=args.max_frames,
            )
            return 0
        except cv2.error as exc:
            if "display" not in str(exc).lower() and "gtk" not in str(exc).lower():
                raise
            print(f"cannot open a window ({exc.args[0] if exc.args else exc}); running "
                  "headless", file=sys.stderr)
            source = open_source(camera=args.camera, source=args.source, size=args.size)
    run_headless(
        source, recognizer, args.min_confidence, video_path=args.record,
        max_frames=args.max_frames,
    )
    return 0
