"""`--size WxH`: a frame size, parsed without loading OpenCV (the CLI checks it up front)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from recognizer.core import config

_SIZE_PATTERN = re.compile(r"^\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*$")


@dataclass(frozen=True)
class FrameSize:
    """A frame size in pixels, as `--size WxH` gives it."""

    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


def parse_size(text: str) -> FrameSize:
    """'640x480' -> FrameSize(640, 480); ValueError with the expected form otherwise."""
    match = _SIZE_PATTERN.match(text)
    if not match:
        raise ValueError(f"size must look like 640x480 (width x height), not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    (min_w, min_h), (max_w, max_h) = config.MIN_FRAME_SIZE, config.MAX_FRAME_SIZE
    if not (min_w <= width <= max_w and min_h <= height <= max_h):
        raise ValueError(
            f"size {width}x{height} is outside {min_w}x{min_h} .. {max_w}x{max_h}"
        )
    return FrameSize(width, height)
