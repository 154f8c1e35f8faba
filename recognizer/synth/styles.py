"""Digit styles MNIST under-represents, drawn from stroke templates with a hand's jitter:
a 1 with a flag (and a foot), a 7 with a crossbar, a 4 open or closed at the top (its bar
through the stem or ending at it), a 9 with a straight stem, a 2 with a loop at its foot.
People write them so; MNIST's American writers mostly did not.
"""

from __future__ import annotations

import numpy as np

from recognizer.synth import pen
from recognizer.synth.negatives import _arc, _wobble

# style name -> (digit, strokes in a unit box, y down). A 1's flag is a short upstroke,
# steeper than a 7's bar: 55 degrees in the template (`_wobble`'s rotation, scaling and
# shear can still flatten it to about 25). With the flag from (0.25, 0.3), 41 degrees,
# models trained longer on these read real photos' 7s with a short rising bar as 1s.
STYLES = {
    "1 with a flag": (1, [[(0.35, 0.35), (0.6, 0.0), (0.6, 1.0)]]),
    "1 with a flag and a foot": (1, [[(0.35, 0.35), (0.6, 0.0), (0.6, 1.0)],
                                     [(0.3, 1.0), (0.9, 1.0)]]),
    "7 with a crossbar": (7, [[(0.05, 0.05), (0.95, 0.0), (0.45, 1.0)],
                              [(0.35, 0.5), (0.85, 0.5)]]),
    "4 open at the top": (4, [[(0.25, 0.0), (0.1, 0.62), (0.95, 0.62)],
                              [(0.72, 0.05), (0.72, 1.0)]]),
    "4 closed at the top": (4, [[(0.72, 1.0), (0.72, 0.0), (0.05, 0.65), (0.95, 0.65)]]),
    "4 closed, its bar ending at the stem": (4, [[(0.75, 1.0), (0.75, 0.0), (0.1, 0.62),
                                                  (0.75, 0.62)]]),
    "4 closed, its stem above the top": (4, [[(0.7, 0.18), (0.1, 0.62), (0.78, 0.62)],
                                             [(0.7, 0.0), (0.7, 1.0)]]),
    "9 with a straight stem": (9, [_arc(0.45, 0.27, 0.32, 0.27, 0, 2 * np.pi, 30),
                                   [(0.77, 0.2), (0.77, 1.0)]]),
    "2 with a loop": (2, [_arc(0.5, 0.28, 0.36, 0.28, np.pi * 1.05, np.pi * 2.1, 16)
                          + [(0.3, 0.8)] + _arc(0.22, 0.88, 0.1, 0.1, -0.5, 2 * np.pi - 0.5, 14)
                          + [(0.95, 0.95)]]),
}


def make_styled_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """count digits of the styles above in equal shares, half drawn with the app's pen and
    half inked on paper: (N, 28, 28) uint8 patches, their digits, their style names."""
    rng = np.random.default_rng(seed)
    names = list(STYLES)
    patches, digits, styles = [], [], []
    while len(patches) < count:
        name = names[len(patches) % len(names)]
        digit, template = STYLES[name]
        lines = _wobble(template, rng)
        patch = pen.drawn(lines) if rng.random() < 0.5 else pen.inked(lines, rng)
        if patch is None:
            continue
        patches.append(patch)
        digits.append(digit)
        styles.append(name)
    return np.stack(patches), np.array(digits, np.uint8), styles
