"""Motion blur: find the smear a moving sheet or camera left on a frame, and undo it.

A sheet that moves during the exposure smears every stroke along one line a few pixels
long. Unsharp masking (`sharpen`) cannot bring such digits back: their strokes are not
soft but doubled along the motion. A linear smear is a known kind of blur, though, and can
be found from the frame itself: it multiplies the frame's spectrum by a sinc whose zeros
repeat every 1/length along its direction, so the spectrum's logarithm carries a ripple
whose inverse transform (the cepstrum) has a deep negative peak at the smear's offset
(`estimate_motion`). Wiener deconvolution with that kernel undoes it (`deblur`).

A sharp frame's cepstrum has its own minima too (texture, JPEG's 8-pixel blocks), and no
measure of the peak alone told them from a smear on our frames; so the model decides
(`read_deblurred`): a frame whose reading leaves several candidates unsure or rejected is
read again deblurred, and the second reading is kept only when the model reads more of its
digits confidently, doubts fewer of its candidates, and is sure of most of them. A frame
read well the first time costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.results import Detections


@dataclass(frozen=True)
class Motion:
    """A linear smear: the offset (dx, dy) in pixels from its start to its end."""

    dx: float
    dy: float

    @property
    def length(self) -> float:
        return float(np.hypot(self.dx, self.dy))

    def kernel(self) -> np.ndarray:
        """The smear as a normalised float32 kernel: an anti-aliased line through the
        centre of an odd square."""
        half = int(np.ceil(self.length / 2)) + 1
        scale = 8  # drawn at 8x and shrunk: an anti-aliased line of sub-pixel length
        big = np.zeros(((2 * half + 1) * scale,) * 2, np.float32)
        centre = np.array([half + 0.5, half + 0.5]) * scale
        offset = np.array([self.dx, self.dy]) / 2 * scale
        start, end = np.round(centre - offset).astype(int), np.round(centre + offset).astype(int)
        cv2.line(big, tuple(int(v) for v in start), tuple(int(v) for v in end), 1.0, scale)
        kernel = cv2.resize(big, (2 * half + 1,) * 2, interpolation=cv2.INTER_AREA)
        return kernel / max(float(kernel.sum()), 1e-6)


def estimate_motion(frame: np.ndarray) -> Motion | None:
    """The frame's linear smear, from the deepest minimum of its cepstrum between
    DEBLUR_MIN_LENGTH and DEBLUR_MAX_LENGTH pixels from the centre; None when the frame is
    too small to tell."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    gray = gray.astype(np.float32)
    height, width = gray.shape
    reach = int(config.DEBLUR_MAX_LENGTH) + 1
    if min(height, width) < 4 * reach:
        return None
    window = cv2.createHanningWindow((width, height), cv2.CV_32F)
    spectrum = cv2.dft((gray - float(gray.mean())) * window, flags=cv2.DFT_COMPLEX_OUTPUT)
    magnitude = cv2.magnitude(spectrum[..., 0], spectrum[..., 1])
    # The log spectrum is real and even, so its forward transform is the cepstrum (scaled).
    cepstrum = cv2.dft(np.log1p(magnitude), flags=cv2.DFT_COMPLEX_OUTPUT)[..., 0]
    # The cepstrum's centre is at (0, 0) and wraps round: gather the square around it.
    rows = np.r_[height - reach : height, 0 : reach + 1]
    cols = np.r_[width - reach : width, 0 : reach + 1]
    near = cepstrum[np.ix_(rows, cols)]
    dy, dx = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    radius = np.hypot(dx, dy)
    outside = (radius < config.DEBLUR_MIN_LENGTH) | (radius > config.DEBLUR_MAX_LENGTH)
    near = np.where(outside, np.inf, near)
    row, col = np.unravel_index(int(np.argmin(near)), near.shape)
    return Motion(float(dx[row, col]) + _vertex(near[row, col - 1 : col + 2]),
                  float(dy[row, col]) + _vertex(near[row - 1 : row + 2, col]))


def _vertex(values: np.ndarray) -> float:
    """The offset (within +-0.5) of the extremum of a parabola through three values."""
    if len(values) != 3 or not np.all(np.isfinite(values)):
        return 0.0
    left, middle, right = (float(v) for v in values)
    curve = left - 2 * middle + right
    return 0.0 if curve == 0 else float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))


def deblur(frame: np.ndarray, motion: Motion) -> np.ndarray:
    """The frame (uint8, grey or BGR) Wiener-deconvolved with the smear's kernel, with
    noise-to-signal ratio DEBLUR_NOISE. The frame is padded by reflection first, so that its
    borders do not ring."""
    kernel = motion.kernel()
    pad = kernel.shape[0]
    padded = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REFLECT)
    height, width = padded.shape[:2]
    rows, cols = cv2.getOptimalDFTSize(height), cv2.getOptimalDFTSize(width)
    spread = np.zeros((rows, cols), np.float32)
    size = kernel.shape[0]
    spread[:size, :size] = kernel
    spread = np.roll(spread, (-(size // 2), -(size // 2)), axis=(0, 1))
    response = cv2.dft(spread, flags=cv2.DFT_COMPLEX_OUTPUT)
    re, im = response[..., 0], response[..., 1]
    power = re * re + im * im + config.DEBLUR_NOISE
    # conj(H) / (|H|^2 + K), as a complex spectrum of two channels
    inverse = np.dstack([re / power, -im / power]).astype(np.float32)
    channels = [padded] if padded.ndim == 2 else cv2.split(padded)
    out = []
    for channel in channels:
        image = np.zeros((rows, cols), np.float32)
        image[:height, :width] = channel
        product = cv2.mulSpectrums(cv2.dft(image, flags=cv2.DFT_COMPLEX_OUTPUT), inverse, 0)
        sharp = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
        out.append(sharp[pad : height - pad, pad : width - pad])
    result = out[0] if len(out) == 1 else cv2.merge(out)
    return np.clip(result, 0, 255).astype(np.uint8)


def _tally(detections: Detections) -> tuple[int, int]:
    """(confident digits, doubtful candidates) of a reading. A candidate left unread (the
    live loop's settled tracks, prediction None) is neither: its track stands."""
    confident = doubtful = 0
    for digit in detections.digits:
        if digit.prediction is None:
            continue
        if digit.is_confident():
            confident += 1
        else:
            doubtful += 1
    return confident, doubtful


def read_deblurred(
    frame: np.ndarray, first: Detections, read: Callable[[np.ndarray], Detections]
) -> Detections:
    """The better of a frame's reading and its reading deblurred.

    `read` is called again on the deblurred frame when at least DEBLUR_MIN_DOUBTFUL
    candidates of the first reading, and DEBLUR_MIN_DOUBTFUL_SHARE of those it read, are
    not confident digits, and the frame's smear is at least DEBLUR_MIN_SMEAR px long (a
    shorter one leaves digits readable, and the cepstrum of a sharp frame has its deepest
    minimum near the centre). The second reading is kept when it has more confident digits,
    fewer doubtful candidates, and reads at least DEBLUR_MIN_SURE_SHARE of its candidates
    as confident digits: a sharp frame of letters deconvolved along a smear it does not have
    rings, and its strokes break into pieces some of which read as digits among many the
    model still doubts."""
    confident, doubtful = _tally(first)
    if (doubtful < config.DEBLUR_MIN_DOUBTFUL
            or doubtful < config.DEBLUR_MIN_DOUBTFUL_SHARE * (confident + doubtful)):
        return first
    motion = estimate_motion(frame)
    if motion is None or motion.length < config.DEBLUR_MIN_SMEAR:
        return first
    second = read(deblur(frame, motion))
    sharp_confident, sharp_doubtful = _tally(second)
    better = sharp_confident > confident and sharp_doubtful < doubtful
    sure = sharp_confident >= config.DEBLUR_MIN_SURE_SHARE * (sharp_confident + sharp_doubtful)
    return second if better and sure else first
