"""What the live window shows: pure drawing functions, frame in, new frame out.

`draw_overlay` builds the whole picture on `detection.annotate.draw_digits`: the digits, a
status bar (frame rate, latency, the numbers read), a one-line key hint and, toggled with t,
an inset with the threshold mask and the 28x28 patches the model saw (every candidate of the
frame; those the model calls "not a digit" greyed, so a user sees what was found and turned
down).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.apps.webcam.processing import FrameResult
from recognizer.core import config
from recognizer.detection.annotate import draw_digits
from recognizer.detection.results import Detections

HINT_LINE = "q quit  space pause  s snapshot  t inset  +/- threshold"
HINT_COLOUR = (255, 255, 255)
PANEL_COLOUR = (30, 30, 30)
STATUS_COLOUR = (80, 255, 80)
PAUSED_COLOUR = (0, 200, 255)


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


def draw_inset(
    image: np.ndarray, detections: Detections, greyed: tuple[bool, ...] = ()
) -> np.ndarray:
    """Top-right inset: the threshold mask (reduced) and below it the patches the model saw.

    greyed: per digit of `detections`, True to show its patch dimmed (a candidate the model
    turned down as "not a digit")."""
    out = image.copy()
    height, width = out.shape[:2]
    inset_w = max(80, int(width * config.INSET_WIDTH_FRACTION))
    mask = detections.mask
    inset_h = max(1, int(round(mask.shape[0] * inset_w / max(mask.shape[1], 1))))
    mask_small = cv2.resize(mask, (inset_w, inset_h), interpolation=cv2.INTER_AREA)
    mask_bgr = cv2.cvtColor(mask_small, cv2.COLOR_GRAY2BGR)
    greyed = tuple(greyed) + (False,) * (len(detections.digits) - len(greyed))
    patches = [(d.patch, dim) for d, dim in zip(detections.digits, greyed) if d.patch is not None]
    patches = patches[: config.INSET_MAX_PATCHES]
    size = min(config.INSET_PATCH, inset_w // 6 - 2)
    per_row = max(1, inset_w // (size + 2))
    rows = (len(patches) + per_row - 1) // per_row
    grid = np.full((rows * (size + 2) + 2 if rows else 0, inset_w, 3), 40, np.uint8)
    for i, (patch, dim) in enumerate(patches):
        r, c = divmod(i, per_row)
        y, x = 2 + r * (size + 2), 1 + c * (size + 2)
        tile = patch_to_bgr(patch, size)
        if dim:
            tile = (tile * config.INSET_GREYED_BRIGHTNESS).astype(np.uint8)
        grid[y : y + size, x : x + size] = tile
    panel = np.vstack([mask_bgr, grid]) if len(grid) else mask_bgr
    top = int(60 * _text_scale(out)) + 10  # below the status bar
    x0 = width - inset_w - 6
    panel = panel[: max(0, height - top - 40)]
    out[top : top + len(panel), x0 : x0 + inset_w] = panel
    cv2.rectangle(out, (x0 - 1, top - 1), (x0 + inset_w, top + len(panel)), (255, 255, 255), 1)
    return out


def draw_overlay(frame: np.ndarray, result: FrameResult, view: ViewState) -> np.ndarray:
    """The whole window picture: digits, status, optional inset, key hint. A new image."""
    out = draw_digits(frame, result.detections, view.min_confidence)
    out = draw_status(out, result, view)
    if view.show_inset:
        # Every candidate of this frame; greyed where its track's vote is "not a digit",
        # all of them on a frame read as a surface.
        greyed = tuple(result.surface or (t.prediction is not None and not t.prediction.is_digit)
                       for t in result.tracks)
        out = draw_inset(out, result.raw, greyed)
    return draw_hint(out, view.message)
