"""Starting points and teachers for a training run: a saved model's weights to start from
(--init), and the teacher models whose answers on digits a --reject run keeps (--teacher,
distillation). Used by `train_mnist.py`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognizer.core.config import REJECT_CLASS


def load_teacher(teacher_path: Path, classes: int):
    """The --teacher model, frozen; ValueError (or OSError) when it cannot teach this run.

    A --reject model (classes outputs) or a digits-only model (one fewer: the tutorial's
    ten digits, such as the models shipped before "not a digit"), whose targets then give
    "not a digit" nothing.
    """
    import keras

    teacher = keras.saving.load_model(teacher_path, compile=False)
    teacher.trainable = False
    if teacher.output_shape[-1] not in (classes, classes - 1):
        raise ValueError(f"the teacher has {teacher.output_shape[-1]} outputs, the model "
                         f"{classes}: give a --reject model or a model of the "
                         f"{classes - 1} digits as the teacher")
    return teacher


def make_distiller(teachers: list, weight: float, doubt_to_label: bool = False):
    """Soft targets from teacher models (a list) for the digits of each batch (--teacher).

    Learning without forgetting (Li and Hoiem, 2016; Hinton et al., 2015): a digit's target
    becomes `weight` of the teachers' mean softmax and the rest its one-hot label, so the
    student keeps the teachers' answers on digits (and their doubts on ambiguous ones)
    while "not a digit" is learnt from the negatives, whose hard targets are left as they
    are. Applied after augmentation: the teachers see the very image the student sees. A
    digits-only teacher gives "not a digit" no share of a digit's target.

    With `doubt_to_label` (--distill-doubt-to-label) the share a teacher gives "not a digit"
    on a labelled digit goes to its label instead: the student keeps the teacher's answers
    among the digits but is not taught to reject a training digit the teacher doubts (a
    blurred or odd one), which costs MNIST digits called "not a digit".
    """
    import keras
    import tensorflow as tf

    def softmax_of(teacher, x):
        out = teacher(x, training=False)
        # The tutorial's models end in a softmax (a Dense's activation, or a Softmax layer),
        # the --reject ones in logits.
        last = teacher.layers[-1]
        if not (isinstance(last, keras.layers.Softmax)
                or last.get_config().get("activation") == "softmax"):
            out = tf.nn.softmax(out, axis=-1)
        missing = REJECT_CLASS + 1 - teacher.output_shape[-1]  # 1 for a digits-only teacher
        return tf.pad(out, [[0, 0], [0, missing]])

    def distil(x, y):
        soft = tf.cast(tf.add_n([softmax_of(t, x) for t in teachers]) / len(teachers), y.dtype)
        if doubt_to_label:
            doubt = soft[:, REJECT_CLASS:REJECT_CLASS + 1]
            soft = soft * (1.0 - tf.one_hot(REJECT_CLASS, REJECT_CLASS + 1, dtype=y.dtype)) \
                + doubt * y
        negative = y[:, REJECT_CLASS:REJECT_CLASS + 1] > 0.5
        return x, tf.where(negative, y, (1.0 - weight) * y + weight * soft)

    return distil


def init_weights(model, init_path: Path):
    """Start from a saved model: every layer copied; a 10-class model's last layer is
    widened for "not a digit" (its digit logits kept, the new one starting at 0)."""
    import keras

    source = keras.saving.load_model(init_path, compile=False).get_weights()
    target = model.get_weights()
    if source[-1].shape != target[-1].shape and source[-1].shape[0] + 1 == target[-1].shape[0]:
        kernel, bias = source[-2], source[-1]
        source[-2] = np.concatenate([kernel, np.zeros((len(kernel), 1), kernel.dtype)], axis=1)
        source[-1] = np.concatenate([bias, np.zeros(1, bias.dtype)])
    model.set_weights(source)
