"""Image files and pixel formats: decode a file safely, and make any image 8-bit BGR.

`load_image` is the one loader of every frontend that reads files (photos, predict): it
refuses what is not a complete, sane image with a reason (`ImageLoadError`), respects the
EXIF orientation and keeps 16-bit and alpha data as stored. `to_bgr8` turns whatever the
detector accepts (gray, BGR, BGRA; uint8, uint16 or float) into a picture to draw on.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from recognizer.core import config
from recognizer.core.errors import ImageLoadError
from recognizer.core.preprocess import check_image, to_gray


def _check_complete(data: bytes) -> None:
    """Raise ImageLoadError for a JPEG or PNG whose end is missing (decoders often hide it)."""
    tail = data[-4096:].rstrip(b"\x00\r\n ")
    if data[:3] == b"\xff\xd8\xff" and not tail.endswith(b"\xff\xd9") and b"\xff\xd9" not in tail:
        raise ImageLoadError("truncated JPEG: the file ends before the image does")
    if data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" not in tail:
        raise ImageLoadError("truncated PNG: the file ends before the image does")


def _orientation_and_size(data: bytes) -> tuple[int, tuple[int, int]]:
    """EXIF orientation (1 when absent) and (width, height) from the header, without decoding."""
    Image.MAX_IMAGE_PIXELS = None  # our own limit applies, with our own message
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            try:
                orientation = int(image.getexif().get(0x0112, 1) or 1)
            except (ValueError, TypeError, OSError, SyntaxError):
                orientation = 1  # a broken EXIF block: the pixels may still be fine
    except UnidentifiedImageError as exc:
        raise ImageLoadError("not an image (unknown or corrupt format)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageLoadError(f"corrupt image header ({exc})") from exc
    return orientation, size


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/flip decoded pixels as the EXIF orientation tag (1-8) says, so 'up' is up."""
    if orientation == 2:
        return cv2.flip(image, 1)
    if orientation == 3:
        return cv2.rotate(image, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(image, 0)
    if orientation == 5:
        return cv2.transpose(image)
    if orientation == 6:
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(image), -1)
    if orientation == 8:
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image


def load_image(path: Path) -> np.ndarray:
    """Decode an image file as stored (gray, BGR or BGRA; 8 or 16 bit), upright per EXIF.

    Raises ImageLoadError with the reason for anything that is not a complete, sane image.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImageLoadError("no such file (check the path; in a folder run: it vanished after it was listed)") from exc
    except PermissionError as exc:
        raise ImageLoadError("permission denied: the file is not readable") from exc
    except OSError as exc:
        raise ImageLoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data:
        raise ImageLoadError("empty file (0 bytes)")
    orientation, (width, height) = _orientation_and_size(data)
    if width * height > config.MAX_PHOTO_PIXELS:
        raise ImageLoadError(
            f"image too large: {width}x{height} = {width * height / 1e6:.0f} megapixels "
            f"(the limit is {config.MAX_PHOTO_PIXELS / 1e6:.0f}); scale it down first"
        )
    _check_complete(data)
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:  # a header whose size the decoder refuses (0 or absurd)
        reason = str(exc).strip().splitlines()[-1][:120]
        raise ImageLoadError(f"corrupt image: the decoder refused it ({reason})") from exc
    if image is None or image.size == 0:
        raise ImageLoadError("corrupt image: the decoder could not read its pixels")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return apply_orientation(image, orientation)


def to_bgr8(image: np.ndarray) -> np.ndarray:
    """A new uint8 BGR copy of any image `check_image` accepts (an empty one stays empty)."""
    image = check_image(image)
    if image.size == 0:
        return np.zeros((*image.shape[:2], 3), dtype=np.uint8)
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3:
        return image.copy()
    if image.dtype == np.uint8 and image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] in (3, 4) and image.dtype in (np.uint8, np.uint16):
        colour = image[:, :, :3].astype(np.float32)
        if image.dtype == np.uint16:
            colour /= 257.0
        if image.shape[2] == 4:
            alpha = image[:, :, 3:4].astype(np.float32) / (65535.0 if image.dtype == np.uint16 else 255.0)
            colour = colour * alpha + 255.0 * (1.0 - alpha)
        return np.clip(colour + 0.5, 0, 255).astype(np.uint8)
    gray = np.clip(to_gray(image) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
