"""One preprocessing path for every frontend: any digit image -> the model's 28x28 input.

MNIST was made like this: light ink on a dark ground, the digit cropped tight, its longest
side scaled to 20 px keeping the aspect ratio, padded to 28x28 and shifted so that its centre
of mass sits at the centre. A canvas drawing, a webcam crop and a photo crop all go through
`to_mnist` so that the model sees them the way it saw its training data.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.errors import UnsupportedImageError

# MNIST's mean centre of mass, in pixel-index coordinates (measured on 5,000 training images).
_MNIST_CENTRE = 14.0


def check_image(image) -> np.ndarray:
    """The array as an image: H x W (gray) or H x W x 2-4 (gray+alpha, BGR, BGRA), a
    trailing channel axis of 1 dropped; any integer, bool or float pixel type, any size
    (empty included). Raises UnsupportedImageError for anything else, saying what is wanted.
    """
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (2, 3, 4)):
        raise UnsupportedImageError(
            f"expected a gray, BGR or BGRA image (H x W, or H x W x 1 to 4 channels), got an "
            f"array of shape {image.shape}"
        )
    if image.dtype != bool and not (
        np.issubdtype(image.dtype, np.integer) or np.issubdtype(image.dtype, np.floating)
    ):
        raise UnsupportedImageError(
            f"unsupported pixel type {image.dtype}: give integer, bool or float pixels"
        )
    return image


def _unit_range(values: np.ndarray) -> np.ndarray:
    """Integer (other than 8/16-bit unsigned) or float pixels -> float32 in [0, 1].

    Floats in [0, 1] or on a 0-255 scale are read as such (with a margin: resampling
    overshoots); any other range (negative values, 12-bit data in int16, 1e6) is stretched
    from its minimum to its maximum. NaN reads as the minimum, +/-inf as the extremes, so
    that broken pixels never poison a whole image.
    """
    scaled = values.astype(np.float32) if values.dtype != np.float64 else values
    finite = np.isfinite(scaled)
    all_finite = bool(finite.all())
    if not all_finite:
        if not finite.any():
            return np.zeros(values.shape, dtype=np.float32)
        low, high = float(scaled[finite].min()), float(scaled[finite].max())
        scaled = np.where(np.isposinf(scaled), high, np.where(finite, scaled, low))
    elif scaled.size:
        low, high = float(scaled.min()), float(scaled.max())
    else:
        return scaled.astype(np.float32)
    # 1.5, not 1.0, and the small negative margins: resampled images overshoot their range.
    if low >= -0.5 and high <= 1.5:
        result = scaled
    elif low >= -0.05 * 255 and 1.5 < high <= 1.5 * 255:
        result = scaled / np.float32(255.0)
    elif high > low:
        result = (scaled - low) / (high - low)
    else:
        return np.zeros(values.shape, dtype=np.float32)  # constant: no ink to read
    return np.clip(result, 0.0, 1.0).astype(np.float32, copy=False)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any gray, gray+alpha, BGR or BGRA image (uint8, uint16, bool, other integers or float
    of any range) -> float32 gray in [0, 1].

    Transparent pixels are composited over white, as a drawing on transparent ground is ink
    on paper. Raises UnsupportedImageError for an array that is no image (see check_image).
    """
    image = check_image(image)
    if image.dtype == np.uint8:
        scaled = image.astype(np.float32) / 255.0
    elif image.dtype == np.uint16:
        scaled = image.astype(np.float32) / 65535.0
    elif image.dtype == bool:
        scaled = image.astype(np.float32)
    else:
        scaled = _unit_range(image)
    if scaled.ndim == 2:
        return scaled
    channels = scaled.shape[2]
    if channels == 2:  # gray + alpha
        gray, alpha = scaled[:, :, 0], scaled[:, :, 1]
    else:
        if scaled.size == 0:
            return np.zeros(scaled.shape[:2], dtype=np.float32)
        gray = cv2.cvtColor(np.ascontiguousarray(scaled[:, :, :3]), cv2.COLOR_BGR2GRAY)
        if channels == 3:
            return gray
        alpha = scaled[:, :, 3]
    return gray * alpha + (1.0 - alpha)


def _border_median(gray: np.ndarray) -> float:
    border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    # np.median's own steps (partition, then the mean of the middle two) without its overhead.
    middle = border.size // 2
    if border.size % 2:
        return float(np.partition(border, middle)[middle])
    part = np.partition(border, (middle - 1, middle))
    return float((part[middle - 1] + part[middle]) / 2)


def extract_ink(image: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
    """The digit's ink, cropped tight: float32 in [0, 1], light on dark; None if blank.

    Whatever the image's polarity, the background level is the median of the border and the
    ink's is the brightest value beyond it. Values closer to the background than NOISE_FLOOR
    become 0, and specks far smaller than the largest stroke are dropped. `mask` (non-zero =
    keep) restricts the ink to a detector's region. Images larger than PREPROCESS_MAX_SIDE
    are reduced first: the 28x28 result cannot use more detail, and it keeps this fast.
    """
    image = check_image(image)
    if image.size == 0 or min(image.shape[:2]) < 2:
        return None
    if image.dtype not in (np.uint8, np.uint16, np.float32):
        image = to_gray(image)  # bool, int32, float16, float64 or NaN: cv2.resize takes none
    elif image.dtype == np.float32 and not np.isfinite(image).all():
        image = to_gray(image)
    scale = config.PREPROCESS_MAX_SIDE / max(image.shape[:2])
    if scale < 1:  # reduce before converting: resizing uint8 is several times faster
        size = (max(2, round(image.shape[1] * scale)), max(2, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if mask is not None:
            mask = cv2.resize(np.asarray(mask, np.uint8), size, interpolation=cv2.INTER_NEAREST)
    gray = to_gray(image)
    background = _border_median(gray)
    if background > 0.5:  # dark ink on light paper: flip to MNIST's light on dark
        gray = 1.0 - gray
        background = 1.0 - background
    if mask is not None:
        gray = np.where(np.asarray(mask) > 0, gray, background)
    contrast = float(gray.max()) - background
    if contrast < config.MIN_CONTRAST:
        return None
    ink = np.clip((gray - background) * (1.0 / contrast), 0.0, 1.0)
    ink[ink < config.NOISE_FLOOR] = 0.0
    # 16-bit labels: at most PREPROCESS_MAX_SIDE^2 / 4 pieces fit. Areas by bincount and the
    # box by boundingRect: OpenCV 5's connectedComponentsWithStats costs several times more.
    binary = (ink > 0).astype(np.uint8)
    count, labels = cv2.connectedComponents(binary, connectivity=8, ltype=cv2.CV_16U)
    if count <= 1:
        return None
    areas = np.bincount(labels.ravel(), minlength=count)[1:]
    keep = areas >= max(config.MIN_INK_PIXELS, config.SPECK_FRACTION * areas.max())
    if not keep.any():
        return None
    if keep.all():
        left, top, width, height = cv2.boundingRect(binary)
        return ink[top : top + height, left : left + width]
    keep_label = np.concatenate([[False], keep])  # indexed by label; 0 is the background
    kept = keep_label[labels]
    left, top, width, height = cv2.boundingRect(kept.astype(np.uint8))
    ink = ink[top : top + height, left : left + width]
    ink[~kept[top : top + height, left : left + width]] = 0.0
    return ink


def stroke_width(binary: np.ndarray) -> float:
    """The mean stroke width of a binary ink mask, in its pixels: 2 * area / perimeter, which
    is exact for long strokes; 0 where there is no ink outline to measure."""
    binary = np.asarray(binary).astype(np.uint8)
    # imported here: imutils pulls in urllib (45 ms), which start-up need not pay for.
    import imutils

    # grab_contours takes the contours from findContours' 2-tuple (OpenCV 4, 5) or 3-tuple (3).
    contours = imutils.grab_contours(
        cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    )
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    if perimeter == 0:
        return 0.0
    return 2.0 * float(np.count_nonzero(binary)) / perimeter


def _thicken(ink: np.ndarray) -> np.ndarray:
    """Thicken thin strokes (a fine pen on a big canvas) towards MNIST's stroke width."""
    width = stroke_width(ink > 0.5)
    if width == 0:
        return ink
    if width >= config.THIN_FACTOR * config.TARGET_STROKE:
        return ink
    size = max(1, int(round(config.TARGET_STROKE - width))) | 1  # odd: the stroke grows evenly
    pad = size // 2 + 1
    padded = cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.dilate(padded, kernel)


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    left, top, width, height = cv2.boundingRect((ink > 0).astype(np.uint8))
    return ink[top : top + height, left : left + width]


def _scale_longest(image: np.ndarray, longest: int) -> np.ndarray:
    height, width = image.shape
    scale = longest / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def deskew(patch: np.ndarray) -> np.ndarray:
    """Undo slant from second-order moments (OpenCV's digits.py), keeping the 28x28 size."""
    moments = cv2.moments(patch)
    if abs(moments["mu02"]) < 1e-2:
        return patch
    skew = moments["mu11"] / moments["mu02"]
    size = patch.shape[0]
    matrix = np.float32([[1, skew, -0.5 * size * skew], [0, 1, 0]])
    return cv2.warpAffine(
        patch, matrix, (size, size), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR
    )


def to_mnist(
    image: np.ndarray, mask: np.ndarray | None = None, *, use_deskew: bool = False
) -> np.ndarray | None:
    """Turn any digit image into the model's input: float32 28x28 in [0, 1], or None if blank.

    image: gray, BGR or BGRA; uint8, uint16 or float; dark-on-light or light-on-dark.
    mask: optional region of the image that holds the digit (non-zero = digit).
    """
    ink = extract_ink(image, mask)
    if ink is None:
        return None
    digit = _scale_longest(ink, config.WORK_BOX)
    digit = _crop_to_ink(_thicken(digit))
    digit = _scale_longest(digit, config.DIGIT_BOX)
    peak = float(digit.max())
    if peak <= 0:
        return None
    digit = np.clip(digit / peak, 0.0, 1.0)

    size = config.IMAGE_SIZE
    patch = np.zeros((size, size), dtype=np.float32)
    height, width = digit.shape
    top, left = (size - height) // 2, (size - width) // 2
    patch[top : top + height, left : left + width] = digit
    moments = cv2.moments(patch)
    shift_x = _MNIST_CENTRE - moments["m10"] / moments["m00"]
    shift_y = _MNIST_CENTRE - moments["m01"] / moments["m00"]
    matrix = np.float32([[1, 0, shift_x], [0, 1, shift_y]])
    patch = cv2.warpAffine(patch, matrix, (size, size), flags=cv2.INTER_LINEAR)
    if use_deskew:
        patch = deskew(patch)
    return np.clip(patch, 0.0, 1.0)
