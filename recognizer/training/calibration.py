"""Calibration of the model's confidence: temperature scaling fitted on held-back data,
the expected calibration error, and the reliability diagram (`train_mnist.py --reject`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognizer.core.config import CALIBRATION_BINS


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities from (N, classes) logits divided by the temperature."""
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood (temperature scaling):
    a coarse log-spaced search, then a finer one around the best."""
    def nll(t):
        probs = softmax(logits, t)
        return -np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12))

    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 60))
    best = min(grid, key=nll)
    fine = np.linspace(best / 1.08, best * 1.08, 41)
    return float(min(fine, key=nll))


def calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS):
    """Expected calibration error (the mean |accuracy - confidence| over equal-width
    confidence bins, weighted by their share) and the bins' (confidence, accuracy, count)."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table, error = [], 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap = abs(correct[inside].mean() - confidence[inside].mean())
            error += gap * inside.mean()
            table.append((float(confidence[inside].mean()), float(correct[inside].mean()),
                          int(inside.sum())))
    return float(error), table


def drawn_test_digits(x_test: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and patches of `count` MNIST test digits traced into pen strokes and redrawn
    with the drawing app's renderer (recognizer.synth.pen), for calibration on drawings."""
    from recognizer.drawing.trace import digit_strokes
    from recognizer.synth.pen import drawn

    rng = np.random.default_rng(seed)
    indices, patches = [], []
    for i in rng.permutation(len(x_test))[:count]:
        patch = drawn(digit_strokes(x_test[i]))
        if patch is not None:
            indices.append(i)
            patches.append(patch)
    return np.array(indices), np.stack(patches)


def plot_reliability(tables: dict, path: Path) -> None:
    """Reliability diagram: accuracy against confidence per bin, one line per data set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    for name, (ece, table) in tables.items():
        confidence, accuracy, _ = zip(*table)
        ax.plot(confidence, accuracy, "o-", label=f"{name} (ECE {ece * 100:.2f}%)")
    ax.set_xlabel("confidence shown")
    ax.set_ylabel("share read right")
    ax.set_title("Reliability after temperature scaling")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
