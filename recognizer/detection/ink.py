"""Ink on paper: flatten the paper's light, threshold the ink, decide its polarity.

The detector (`recognizer.detection.detector`) finds digits in the mask `threshold_ink` makes, and hands
each digit's crop to `preprocess.to_mnist` through `paper_to_white`. Both measure ink against
the paper around it rather than against one global level, so shadows, dark corners, gradients
of light and dim photos do not turn into ink or hide it.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.preprocess import check_image, to_gray


def odd_size(value: float, minimum: int = 3) -> int:
    return max(minimum, int(value) | 1)


def resize_by(image: np.ndarray, scale: float, interpolation: int) -> np.ndarray:
    """cv2.resize by a factor, never to less than 1 px a side.

    With fx/fy OpenCV rounds each side and refuses a side of 0 ("!dsize.empty()"), which a
    strip 2 px high reduced 5 times would give; such a side is kept at 1 px instead.
    """
    height, width = image.shape[:2]
    if round(width * scale) >= 1 and round(height * scale) >= 1:
        return cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=interpolation)


def normalise_paper(
    gray: np.ndarray, kernel_fraction: float = config.BACKGROUND_KERNEL_FRACTION
) -> np.ndarray:
    """uint8 gray, dark ink on light paper -> paper flattened to white, ink kept dark.

    The paper's brightness is estimated with a closing (a max filter then a min filter)
    larger than any stroke, computed on a small copy for speed; dividing by it removes
    shadows, vignetting and gradients of light.
    """
    height, width = gray.shape
    small_scale = min(1.0, config.BACKGROUND_MAX_SIDE / max(height, width))
    small = resize_by(gray, small_scale, cv2.INTER_AREA)
    size = odd_size(min(small.shape) * kernel_fraction, 3)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    smooth = odd_size(size * config.BACKGROUND_SMOOTHING, 3)
    # At least 1 (no division by zero) on the small copy: interpolating keeps it so.
    background = np.maximum(cv2.blur(background, (smooth, smooth)), 1)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, background, scale=255)  # saturates at 255


def maybe_light_on_dark(gray: np.ndarray) -> bool:
    """Could this be light ink on a dark ground? Only if the image is mostly dark and its
    border (where the ground shows) sits at the dark end of its range: a dim photo of paper
    has paper at its border, lighter than the ink."""
    sample = gray[::4, ::4] if min(gray.shape) >= 64 else gray
    low, median, high = np.percentile(sample, (1, 50, 99))
    if median >= 128:
        return False
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) <= (low + high) / 2


def threshold_ink(
    gray: np.ndarray,
    light_on_dark: bool = False,
    kernel_fraction: float = config.BACKGROUND_KERNEL_FRACTION,
    strong_ink: float = config.STRONG_INK,
    weak_share: float = 0.0,
) -> np.ndarray:
    """uint8 gray (any polarity) -> uint8 mask, 255 where there is ink.

    Light-on-dark images (MNIST style, chalk on a board) are inverted first. The paper is
    flattened by its local brightness (`normalise_paper`), so the threshold is local: a
    pixel's darkness is measured against the paper around it. The threshold then adapts to
    the photo's noise (the paper grain, measured as a robust spread) with hysteresis: ink is
    every pixel WEAK darker than the paper that is connected to a pixel STRONG darker, so a
    thin or light stroke is kept whole while grain and specks, which never reach STRONG, drop.
    strong_ink: STRONG's floor as a fraction of white (lower on a sheet, for pencil).
    weak_share: WEAK is also at least this share of the ink's depth (the paper's level less
    the median of the pixels past STRONG; on a sheet, WEAK_INK_DEPTH_SHARE): compression
    rings around dark strokes a few levels under the paper, and those blotches must not
    join neighbouring digits. Shallow ink (pencil) keeps the floor WEAK_INK and the
    hysteresis; for dark ink the share can put WEAK at or past STRONG (a depth of 220 x 0.15
    is 33 levels, STRONG on a sheet 31), and its mask is then one threshold at WEAK.
    """
    if light_on_dark:
        gray = 255 - gray
    flat = normalise_paper(gray, kernel_fraction)
    step = 4 if min(flat.shape) >= 256 else 1
    sample = flat[::step, ::step]
    paper, spread = _median_and_mad(sample)
    sigma = 1.4826 * spread
    strong = paper - max(strong_ink * 255, config.STRONG_SIGMAS * sigma)
    gap = max(config.WEAK_INK * 255, config.WEAK_SIGMAS * sigma)
    if weak_share:
        inked = sample[sample < strong]
        if inked.size:
            gap = max(gap, weak_share * (paper - float(np.median(inked))))
    weak = paper - gap
    weak_mask = (flat < weak).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak_mask, connectivity=8)
    if count <= 1:
        return weak_mask * 255
    seeded = np.zeros(count, dtype=np.uint8)
    seeded[labels[flat < strong]] = 255
    seeded[0] = 0
    return np.take(seeded, labels)  # twice as fast as seeded[labels]


def _middle(values: np.ndarray, counts: np.ndarray) -> float:
    """The median (mean of the two middle values for an even count) of `values` repeated
    `counts` times; values sorted ascending."""
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1])
    low = values[np.searchsorted(cumulative, (total - 1) // 2, side="right")]
    high = values[np.searchsorted(cumulative, total // 2, side="right")]
    return (float(low) + float(high)) / 2


def _median_and_mad(sample: np.ndarray) -> tuple[float, float]:
    """Median and median absolute deviation of a uint8 image, from its histogram: the same
    values as np.median, in a fraction of the time."""
    counts = np.bincount(sample.ravel(), minlength=256)
    levels = np.arange(256, dtype=np.float64)
    median = _middle(levels, counts)
    distances = np.abs(levels - median)
    order = np.argsort(distances, kind="stable")
    return median, _middle(distances[order], counts[order])


def fitted_kernel_fraction(mask: np.ndarray) -> float:
    """A paper-estimate kernel (fraction of the shorter side) a few strokes wide."""
    if not mask.any():
        return config.BACKGROUND_KERNEL_FRACTION
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    values = distance[distance > 0]
    stroke = 2.0 * float(np.percentile(values, 90))
    fraction = config.STROKE_KERNEL_FACTOR * stroke / min(mask.shape)
    return float(np.clip(fraction, config.MIN_KERNEL_FRACTION, config.BACKGROUND_KERNEL_FRACTION))


def _dark_ink(crop: np.ndarray, light_on_dark: bool) -> np.ndarray:
    """The crop as float gray in [0, 1] with the ink dark."""
    gray = to_gray(crop)
    return 1.0 - gray if light_on_dark else gray


def fill_solid_holes(crop: np.ndarray, mask: np.ndarray, light_on_dark: bool) -> np.ndarray:
    """The digit's mask (uint8, non-zero = digit) with its solid holes filled: the parts it
    encloses that are as dark as ink, not paper.

    The threshold marks a filled shape wider than its window (a disc, a blot, a thumb's
    print) only along its edge, so its mask is a ring; read as a ring it is a confident "0".
    A hole that shows paper (a 0's, a 6's, an 8's) stays a hole. Solid means darker than
    SOLID_HOLE_LEVEL of the way from the ink's level (the mask's darker quarter) to the
    paper's (the median of what lies outside the mask and reaches the crop's border).
    """
    inside = mask > 0
    count, labels = cv2.connectedComponents((~inside).astype(np.uint8), connectivity=4)
    if count <= 2:  # at most one piece outside the mask: it is the paper around it
        return mask
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border != 0]  # label 0 is the mask itself
    holes = np.setdiff1d(np.arange(1, count), border)
    if holes.size == 0 or border.size == 0:
        return mask
    gray = _dark_ink(crop, light_on_dark)
    middle = _solid_level(gray, inside, np.isin(labels, border))
    filled = mask.copy()
    for hole in holes:
        where = labels == hole
        if _quantile(gray[where], 0.5) < middle:
            filled[where] = 255
    return filled


def _solid_level(gray: np.ndarray, inside: np.ndarray, paper: np.ndarray) -> float:
    """The level below which a part of a crop is solid ink, not paper: SOLID_HOLE_LEVEL of
    the way from the ink's level (the darker quarter of the mask `inside`) to the paper's
    (the median of `paper`)."""
    ink = _quantile(gray[inside], 0.25)
    return ink + config.SOLID_HOLE_LEVEL * (_quantile(gray[paper], 0.5) - ink)


def _quantile(values: np.ndarray, share: float) -> float:
    """np.percentile(values, 100 * share) (linear between the two nearest ranks), from a
    partial sort: a fifth of its time on a crop's few hundred px, on every crop."""
    position = share * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    ranked = np.partition(values, (low, high))
    return float(ranked[low] + (position - low) * (ranked[high] - ranked[low]))


def paper_to_white(crop: np.ndarray, mask: np.ndarray, light_on_dark: bool,
                   solid: np.ndarray | None = None) -> np.ndarray:
    """uint8 gray crop: dark ink, the paper around it scaled to 255 and everything outside
    the digit's mask set to paper, so the crop's border always shows the paper's level.

    The paper's level is estimated locally (a max filter wider than a stroke, on a small
    copy), so a shadow's edge or a gradient of light across the digit is not read as ink.
    Inside `solid` (the holes `fill_solid_holes` filled) and the ink around them the
    filter would see the shape's own ink: there the paper's level comes from the pixels
    outside the mask nearby (or, where none lie within the filter, their median). (A shape
    the mask covers whole is left to the filter: applied wherever the filter sees no paper,
    the same estimate cost tuning seed 101's defocused digits 4 points, their fat masks
    holding the holes.) The filter's estimate is never darker than the level of solid ink
    (`_solid_level`): inside a filled shape wider than the filter it sees only the shape's
    ink, and would turn a disc into a ring, which reads as a confident "0".
    (uint8, not float: `to_gray` reads a float image whose maximum exceeds 1.0 - as
    resampling a [0, 1] image can make it - as a 0-255 image.)
    """
    gray = _dark_ink(crop, light_on_dark)
    height, width = gray.shape
    scale = min(1.0, config.CROP_PAPER_SIDE / max(height, width))
    small = resize_by(gray, scale, cv2.INTER_AREA)
    size = odd_size(min(small.shape) * config.CROP_PAPER_KERNEL, 3)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    paper = cv2.dilate(small, kernel)
    if solid is not None and solid.any():
        shape = (small.shape[1], small.shape[0])
        inside = cv2.resize(mask, shape, interpolation=cv2.INTER_NEAREST) > 0
        if not inside.all():
            outside = cv2.dilate(np.where(inside, 0.0, small).astype(np.float32), kernel)
            outside[outside <= 0] = float(np.median(small[~inside]))
            filled = cv2.resize(solid.astype(np.uint8), shape, interpolation=cv2.INTER_NEAREST)
            near = (cv2.dilate(filled, kernel) > 0) & inside  # and the ink around it
            paper[near] = outside[near]
    paper = cv2.blur(paper, (size, size))
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    digit = mask > 0  # (full size; `inside` above is the small copy's)
    if digit.any() and not digit.all():
        # never darker than the level of solid ink: a filled shape stays filled
        paper = np.maximum(paper, _solid_level(gray, digit, ~digit))
    flat = np.clip(gray / np.maximum(paper, 1e-3) * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
    flat[~digit] = 255
    return flat


def working_gray(frame: np.ndarray) -> tuple[np.ndarray, float]:
    """uint8 gray copy of the frame, reduced to at most DETECT_MAX_SIDE px; and its scale.

    Any image `check_image` accepts (a strip 2 px high keeps 1 px; the caller decides what
    is too small to hold a digit); UnsupportedImageError for an array that is no image.
    """
    frame = check_image(frame)
    if frame.ndim == 2 and frame.dtype == np.uint8:
        gray = frame
    elif frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    else:
        gray = np.clip(to_gray(frame) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    scale = min(1.0, config.DETECT_MAX_SIDE / max(gray.shape))
    if scale < 1.0:
        gray = resize_by(gray, scale, cv2.INTER_AREA)
    return gray, scale
