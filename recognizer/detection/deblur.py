"""Blur: find the smear a moving sheet or camera left on a frame, and undo it.

A sheet that moves during the exposure smears every stroke along one line a few pixels
long. Unsharp masking (`sharpen`) cannot bring such digits back: their strokes are not
soft but doubled along the motion. A linear smear is a known kind of blur, though, and can
be found from the frame itself: it multiplies the frame's spectrum by a sinc whose zeros
repeat every 1/length along its direction, so the spectrum's logarithm carries a ripple
whose inverse transform (the cepstrum) has a deep negative peak at the smear's offset
(`estimate_motion`). Wiener deconvolution with that kernel undoes it (`deblur`). A frame
whose cepstrum shows no smear long enough to matter is deconvolved as a camera out of
focus (`Defocus`, a Gaussian) instead; one that this reading leaves in doubt is tried once
more as a camera further out of focus.

Every frame's cepstrum has minima of its own (texture, JPEG's 8-pixel blocks), and no
measure of the peak alone told them from a smear on our frames; so the model decides
(`read_deblurred`): a frame whose reading leaves several candidates unsure or rejected is
read again deblurred, and the second reading is kept only when the model reads more of its
digits confidently, doubts fewer of its candidates, rejects no more of them (a wrong
kernel's ringing makes digits worse), and it has no fewer candidates (deconvolution's
ringing can join two digits into one), and it is sure of most of them or
the first reading rejected at most DEBLUR_WAIVER_MAX_REJECTED (no letters whose strokes
deconvolution breaks into digit-like pieces); a deblurred reading that lost candidates is
made again with the ink's weak level raised, where the faint ringing falls away. Else a
third reading, as a wider defocus, is kept on stricter terms (`read_deblurred`). A frame
read well the first time costs nothing more.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Callable

import cv2
import numpy as np

from recognizer.core import config
from recognizer.detection.results import Detections


@dataclass(frozen=True)
class Motion:
    """A linear smear: the offset (dx, dy) in pixels from one end to the other (the
    cepstrum tells the direction only up to a half turn, which a symmetric smear does not
    need)."""

    dx: float
    dy: float

    @property
    def length(self) -> float:
        return float(np.hypot(self.dx, self.dy))

    def kernel(self) -> np.ndarray:
        """The smear as a normalised float32 kernel in an odd square: a segment of its
        length through the centre, sampled finely and spread over the pixels it crosses
        (bilinear weights), so that a smear of N px weighs N px."""
        half = int(np.ceil(self.length / 2)) + 1
        kernel = np.zeros((2 * half + 1,) * 2, np.float32)
        steps = np.linspace(-0.5, 0.5, max(2, int(np.ceil(self.length * 8)) + 1))
        xs, ys = half + steps * self.dx, half + steps * self.dy
        x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
        fx, fy = (xs - x0).astype(np.float32), (ys - y0).astype(np.float32)
        for ox, oy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                               (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            np.add.at(kernel, (y0 + oy, x0 + ox), weight)
        return kernel / float(kernel.sum())


@dataclass(frozen=True)
class Defocus:
    """A camera out of focus: a Gaussian blur of `sigma` pixels."""

    sigma: float

    def kernel(self) -> np.ndarray:
        """The blur as a normalised float32 kernel, three sigmas each side."""
        size = 2 * int(np.ceil(3 * self.sigma)) + 1
        column = cv2.getGaussianKernel(size, self.sigma, cv2.CV_32F)
        return column @ column.T


def estimate_motion(frame: np.ndarray) -> Motion | None:
    """The frame's linear smear, from the deepest minimum of its cepstrum between
    DEBLUR_MIN_LENGTH and DEBLUR_MAX_LENGTH pixels from the centre; None when the frame is
    too small to tell or shows no ripple (flat). Any frame has some minimum there (texture,
    JPEG blocks at other offsets): whether undoing it helps is for the model to say."""
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
    # JPEG's 8x8 blocks (webcams stream MJPEG) leave minima at multiples of 8 px straight
    # across or down: not a smear.
    grid = ((dx == 0) | (dy == 0)) & (dx % 8 == 0) & (dy % 8 == 0)
    searched = np.where(outside | grid, np.inf, near)
    row, col = np.unravel_index(int(np.argmin(searched)), searched.shape)
    if not searched[row, col] < 0:
        return None  # no ripple at all (a flat frame)
    return Motion(float(dx[row, col]) + _vertex(near[row, col - 1 : col + 2]),
                  float(dy[row, col]) + _vertex(near[row - 1 : row + 2, col]))


def _vertex(values: np.ndarray) -> float:
    """The offset (within +-0.5) of the extremum of a parabola through three values."""
    if len(values) != 3:
        return 0.0
    left, middle, right = (float(v) for v in values)
    curve = left - 2 * middle + right
    return 0.0 if curve == 0 else float(np.clip(0.5 * (left - right) / curve, -0.5, 0.5))


def deblur(frame: np.ndarray, blur: Motion | Defocus) -> np.ndarray:
    """The frame (uint8, grey or BGR) Wiener-deconvolved with the blur's kernel, with
    noise-to-signal ratio DEBLUR_NOISE. The frame is padded by reflection first, so that its
    borders do not ring."""
    kernel = blur.kernel()
    size = kernel.shape[0]
    height, width = frame.shape[:2]
    # Reflected all the way to the transform's size (a zero fill would be a hard step the
    # transform wraps round), with a margin of a few kernels, so that the borders do not ring.
    margin = 3 * size
    rows = cv2.getOptimalDFTSize(height + 2 * margin)
    cols = cv2.getOptimalDFTSize(width + 2 * margin)
    padded = cv2.copyMakeBorder(frame, margin, rows - height - margin, margin,
                                cols - width - margin, cv2.BORDER_REFLECT)
    spread = np.zeros((rows, cols), np.float32)
    spread[:size, :size] = kernel
    spread = np.roll(spread, (-(size // 2), -(size // 2)), axis=(0, 1))
    response = cv2.dft(spread, flags=cv2.DFT_COMPLEX_OUTPUT)
    re, im = response[..., 0], response[..., 1]
    power = (re * re + im * im + config.DEBLUR_NOISE) / (1.0 + config.DEBLUR_NOISE)
    # conj(H) (1 + K) / (|H|^2 + K) as a complex spectrum of two channels: Wiener's filter,
    # scaled so that the paper's level (H = 1 at zero frequency) stays where it was
    inverse = np.dstack([re / power, -im / power]).astype(np.float32)
    channels = [padded] if padded.ndim == 2 else cv2.split(padded)
    out = []
    for channel in channels:
        product = cv2.mulSpectrums(
            cv2.dft(channel.astype(np.float32), flags=cv2.DFT_COMPLEX_OUTPUT), inverse, 0)
        sharp = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
        out.append(sharp[margin : margin + height, margin : margin + width])
    result = out[0] if len(out) == 1 else cv2.merge(out)
    return np.clip(np.rint(result), 0, 255).astype(np.uint8)


def _belief(detections: Detections) -> float:
    """How much the model believes a reading's digits: the mean top probability of its
    candidates read as digits (an unread candidate, whose track stands for it, as 1); 0 when
    it reads none."""
    tops = [1.0 if d.prediction is None else d.prediction.confidence
            for d in detections.digits_only().digits]
    return sum(tops) / len(tops) if tops else 0.0


def _keeps_apart(sharp: Detections, first: Detections) -> bool:
    """Whether a deblurred reading has at least as many candidates as the first: undoing
    a blur sharpens strokes, it takes none away, but its ringing can join neighbouring
    digits into one candidate, which the model may then read confidently as one digit."""
    return len(sharp.digits) >= len(first.digits)


def can_deblur(frame: np.ndarray) -> bool:
    """Whether `deblur` takes the frame as it is: 8-bit grey or BGR, at most
    DEBLUR_MAX_SIDE px a side (a large photo's smear is longer than the cepstrum is searched
    for, and its transforms take seconds)."""
    frame = np.asarray(frame)
    return (frame.dtype == np.uint8 and max(frame.shape[:2]) <= config.DEBLUR_MAX_SIDE
            and (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 3)))


def read_deblurred(
    frame: np.ndarray, first: Detections, read: Callable[..., Detections]
) -> Detections:
    """The best of a frame's reading and its readings deblurred.

    `read` is called again on the deblurred frame when at least DEBLUR_MIN_DOUBTFUL
    candidates of the first reading, and DEBLUR_MIN_DOUBTFUL_SHARE of those it read, are
    not confident digits: along the frame's smear when its cepstrum shows one of
    DEBLUR_MIN_SMEAR px or more, else as a camera out of focus (DEFOCUS_SIGMA). The second
    reading is kept when it has more confident digits, fewer doubtful candidates, rejects
    no more candidates than the first (`Detections.tally`: a digit the first reading read
    that the deconvolved frame makes "not a digit" was made worse), and has no fewer
    candidates than the first (`_keeps_apart`; a reading with fewer is made again
    with the ink's weak level at DEBLUR_WEAK_INK_DEPTH_SHARE of its depth,
    `read(sharp, share)`, as the deconvolution's ringing can join neighbouring digits), and
    either reads at least DEBLUR_MIN_SURE_SHARE of its candidates as confident digits (a
    sharp frame of letters deconvolved along a smear it does not have rings, and its
    strokes break into pieces some of which read as digits among many the model still
    doubts) or the first reading rejected at most DEBLUR_WAIVER_MAX_REJECTED of its
    candidates (a sheet of digits leaves at most one; letters leave several).
    When it is not kept, and the first reading read some candidate as a digit, the frame
    is read a third time as a wider defocus (DEFOCUS_WIDE_SIGMA), kept when the model
    rejects none of its candidates, is sure of no fewer and doubts no more, it has no fewer
    candidates, and the model's mean confidence in its digits (`_belief`) rises by
    DEBLUR_MIN_BELIEF_GAIN. Frames `can_deblur` refuses are read once."""
    confident, doubtful, unread, rejected = astuple(first.tally())
    if (doubtful < config.DEBLUR_MIN_DOUBTFUL
            or doubtful < config.DEBLUR_MIN_DOUBTFUL_SHARE * (confident + doubtful)
            or not can_deblur(frame)):
        return first
    motion = estimate_motion(frame)
    if motion is None:
        return first
    blur = motion if motion.length >= config.DEBLUR_MIN_SMEAR else Defocus(config.DEFOCUS_SIGMA)
    sharp = deblur(frame, blur)
    second = read(sharp)
    if not _keeps_apart(second, first):
        # the deconvolution's ringing joined digits: its ink read at a higher weak level
        second = read(sharp, config.DEBLUR_WEAK_INK_DEPTH_SHARE)
    seen = second.tally()
    sharp_confident, sharp_doubtful = seen.confident, seen.doubtful
    # an unread candidate counts as confident on either side: its track stands for it
    sharp_confident += seen.unread
    better = sharp_confident > confident + unread and sharp_doubtful < doubtful
    # The sure share guards frames with letters, whose deconvolved strokes break into
    # digit-like pieces; a first reading that rejected at most one has none to guard.
    sure = (sharp_confident >= config.DEBLUR_MIN_SURE_SHARE * (sharp_confident + sharp_doubtful)
            or rejected <= config.DEBLUR_WAIVER_MAX_REJECTED)
    # (Without the rejected count: tuning scene seed 7 lost 7 of a defocused sheet's 14
    # digits to a reading surer of 3 that rejected 7, against 1.)
    no_worse = seen.rejected <= rejected
    if better and sure and no_worse and _keeps_apart(second, first):
        return second
    # A camera further out of focus (or one whose cepstrum shows a smear it does not have):
    # deconvolved as a wider defocus, its digits may come out right but still short of the
    # share above. On a frame of letters the model still rejects some; and a first reading
    # that rejected all it found is letters, which deconvolution sharpens into digit-like
    # strokes. (In the live loop a settled track's unread candidate counts 1 in the first
    # reading's belief and its real confidence in the third: the gain is harder to reach
    # there, which errs towards the reading shown so far.)
    if not first.digits_only().digits:
        return first
    third = read(deblur(frame, Defocus(config.DEFOCUS_WIDE_SIGMA)))
    wide = third.tally()
    clearer = (wide.rejected == 0 and wide.confident + wide.unread >= confident + unread
               and wide.doubtful <= doubtful and _keeps_apart(third, first)
               and _belief(third) >= _belief(first) + config.DEBLUR_MIN_BELIEF_GAIN)
    return third if clearer else first
