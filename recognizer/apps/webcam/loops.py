"""`recognizer webcam`: hold handwritten digits up to a camera and see them read live.

The loops only wire a `FrameSource` (`sources`) to `process_frame` (`processing`),
`draw_overlay` (`overlay`) and a window, a recording or files (`outputs`):

- `run_window`: an OpenCV window with keys: q or Esc quit, space pause, s snapshot,
  t inset, + / - threshold (`handle_key`, pure, maps a key to the new view);
- `run_headless`: no window; an annotated video and one JSON line per frame.

Both survive what a long session meets: a frame that breaks the detector is skipped ("frame
skipped" on screen, in its JSON line and in the count at the end), a frame of another size
starts the tracks afresh, and a camera that misses a frame now and then is asked again
(`FrameFeed`) before it counts as stopped. `run` is what the `webcam` subcommand calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import cv2
from tqdm import tqdm

from recognizer.apps.webcam.display import display_available
from recognizer.apps.webcam.outputs import Recorder, detection_record, save_snapshot
from recognizer.apps.webcam.overlay import ViewState, draw_overlay
from recognizer.apps.webcam.processing import FrameResult, process_frame_safely
from recognizer.apps.webcam.sources import FrameFeed, FrameSource, open_source
from recognizer.core import config
from recognizer.core.errors import OutputError
from recognizer.core.predict import Recognizer


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


class SkipReport:
    """Counts skipped frames and reports them: each new reason once (all of them, with the
    traceback, under --debug), so a detector that fails on every frame does not flood the
    terminal; `summary` is the line for the end of the run."""

    def __init__(self, name: str, out: TextIO, debug: bool = False, write=None):
        self.name, self.out, self.debug = name, out, debug
        self.count = 0
        self._last: str | None = None
        self._write = write or (lambda text: print(text, file=self.out))

    def note(self, index: int, result: FrameResult) -> None:
        if result.skipped is None:
            return
        self.count += 1
        if self.debug or result.skipped != self._last:
            self._write(f"{self.name}: frame {index} skipped: {result.skipped}")
            if self.debug and result.trace:
                self._write(result.trace.rstrip())
            self._last = result.skipped

    def summary(self, feed: FrameFeed) -> str | None:
        parts = []
        if self.count:
            parts.append(f"{self.count} frame{'s' * (self.count != 1)} skipped (see above"
                         f"{'' if self.debug else '; --debug shows the tracebacks'})")
        if feed.dropped:
            parts.append(f"{feed.dropped} missing frame{'s' * (feed.dropped != 1)} passed over")
        return f"{self.name}: " + ", ".join(parts) if parts else None


def skipped_message(result: FrameResult) -> str:
    """The overlay's note for a skipped frame."""
    return f"frame skipped: {result.skipped}"[:90]


def run_window(
    source: FrameSource,
    recognizer: Recognizer,
    view: ViewState = ViewState(),
    record: Path | None = None,
    snapshot_dir: Path = config.SNAPSHOT_DIR,
    max_frames: int | None = None,
    title: str = config.WINDOW_TITLE,
    out: TextIO = sys.stdout,
    debug: bool = False,
) -> int:
    """The live loop in an OpenCV window. Returns the number of frames processed.

    Releases the source, destroys the window and closes the recording however it ends:
    q/Esc, the window's close button, end of stream, Ctrl+C, or an error.
    """
    recorder = Recorder(record, source.fps, measure=source.live)
    feed = FrameFeed(source.frames)
    frames = iter(feed)
    skips = SkipReport(source.name, sys.stderr, debug)
    processed = 0
    tracker = before = None
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
                before = tracker
                # the inset shows every digit's patch; otherwise only those read are made
                result = process_frame_safely(frame, recognizer, tracker,
                                              all_patches=view.show_inset)
                tracker = result.tracker
                skips.note(processed, result)
                processed += 1
                now = time.perf_counter()
                view = replace(view, fps=_smoothed(view.fps, now - last))
                last = now
                if result.skipped is not None:
                    view = replace(view, message=skipped_message(result))
                    message_until = now + 2.0
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
                # The same frame again from the same state, with every digit's patch (the
                # live result has those of the digits read this frame only).
                full = process_frame_safely(frame, recognizer, before, all_patches=True)
                try:  # a full disk must not end a live session: say so and go on
                    message = f"snapshot saved to {save_snapshot(snapshot_dir, frame, annotated, full)}"
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
        summary = skips.summary(feed)
        if summary:
            print(summary, file=out)
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
    debug: bool = False,
) -> int:
    """Process the source without a window: annotated video + JSON lines per frame.

    Returns the number of frames processed; progress goes to stderr (tqdm). A skipped
    frame's JSON line carries `"skipped": REASON`.
    """
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
    feed = FrameFeed(source.frames)
    skips = SkipReport(source.name, sys.stderr, debug,
                       write=lambda text: tqdm.write(text, file=sys.stderr))
    try:
        with open(jsonl_path, "w", encoding="utf-8") as jsonl:
            for frame in feed:
                result = process_frame_safely(frame, recognizer, tracker)
                tracker = result.tracker
                skips.note(processed, result)
                now = time.perf_counter()
                message = skipped_message(result) if result.skipped is not None else ""
                view = replace(view, fps=_smoothed(view.fps, now - last), message=message)
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
        summary = skips.summary(feed)
        if summary:
            print(summary, file=out)
    return processed


def run(args: argparse.Namespace) -> int:
    # The source first: a camera that does not open fails before the model loads.
    source = open_source(camera=args.camera, source=args.source, size=args.size)
    try:
        recognizer = Recognizer(args.model, backend=args.backend)
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
                debug=getattr(args, "debug", False),
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
        max_frames=args.max_frames, debug=getattr(args, "debug", False),
    )
    return 0
