"""Pictures of a training run: accuracy and loss per epoch, and the confusion matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognizer.core.config import NUM_CLASSES


def plot_history(history: dict, path: Path) -> None:
    """Accuracy and loss per epoch, training against test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["loss"]) + 1)
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title in ((ax_acc, "accuracy", "Accuracy"), (ax_loss, "loss", "Loss")):
        ax.plot(epochs, history[key], "o-", label="training")
        ax.plot(epochs, history[f"val_{key}"], "o-", label="test")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(confusion: np.ndarray, path: Path) -> None:
    """The confusion matrix with counts, true digit by row (an 11th column: "not a digit")."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5.5))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (row, col), count in np.ndenumerate(confusion):
        if count:
            colour = "white" if row == col else "black"
            ax.text(col, row, str(count), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(confusion.shape[1]),
                  [str(d) for d in range(NUM_CLASSES)] + ["no"] * (confusion.shape[1] - NUM_CLASSES))
    ax.set_yticks(range(NUM_CLASSES))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion on the MNIST test set")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
