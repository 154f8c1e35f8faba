"""train_mnist.py end to end on a small run, and its errors on bad data files."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from recognizer.core import config

SCRIPT = config.PROJECT_ROOT / "train_mnist.py"


def run_script(*args, timeout=600):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=config.PROJECT_ROOT,
    )


@pytest.mark.slow
def test_quick_training_run_writes_every_file(tmp_path, mnist_test):
    from tests.conftest import MNIST_NPZ

    out = tmp_path / "model"
    result = run_script("--data", MNIST_NPZ, "--limit", 2000, "--epochs", 1, "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    for name in ("mnist_cnn.keras", "mnist_cnn.tflite", "metrics.json", "training.png",
                 "confusion.png"):
        assert (out / name).stat().st_size > 1000, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training_images"] == 2000 and metrics["test_images"] == 10000
    assert 0.5 < metrics["test_accuracy"] <= 1.0  # one epoch on 2,000 images: well above chance
    assert abs(metrics["tflite_test_accuracy"] - metrics["test_accuracy"]) < 0.005
    assert np.array(metrics["confusion_matrix"]).sum() == 10000
    assert set(metrics["per_class_accuracy"]) == {str(d) for d in range(10)}
    assert metrics["options"]["epochs"] == 1 and metrics["options"]["limit"] == 2000
    assert "tensorflow" in metrics["versions"] and metrics["seconds"] > 0
    # The written model serves the core.
    from recognizer.core.predict import Recognizer

    x_test, y_test = mnist_test
    prediction = Recognizer(out / "mnist_cnn.tflite").predict_digit(x_test[0])
    assert prediction is not None and 0 <= prediction.digit <= 9


@pytest.mark.slow
def test_reject_run_learns_not_a_digit_and_writes_a_calibrated_card(tmp_path, mnist_test):
    from tests.conftest import MNIST_NPZ

    out = tmp_path / "model"
    result = run_script("--data", MNIST_NPZ, "--reject", "--limit", 2000, "--epochs", 1,
                        "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    card = json.loads((out / "mnist_cnn.json").read_text())
    assert card["outputs"] == "logits" and card["classes"] == 11
    assert 0.1 < card["temperature"] < 10
    assert (out / "calibration.png").stat().st_size > 1000
    metrics = json.loads((out / "metrics.json").read_text())
    assert np.array(metrics["confusion_matrix"]).shape == (10, 11)
    assert metrics["options"]["reject"] is True
    assert set(metrics["calibration"]["ece"]) == {"MNIST test", "drawn test digits"}
    # The core reads the card: eleven calibrated probabilities, "not a digit" apart.
    from recognizer.core.predict import Recognizer

    recognizer = Recognizer(out / "mnist_cnn.tflite")
    assert recognizer.card.classes == 11
    probabilities = recognizer.predict_probabilities(mnist_test[0][:5] / 255.0)
    assert probabilities.shape == (5, 11) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)


def test_the_default_run_is_the_tutorial_recipe():
    """Without options the model is the tutorial's: 10 softmax outputs, Adadelta at 1.0."""
    import train_mnist

    args = train_mnist.parse_args([])
    assert (args.epochs, args.batch_size, args.learning_rate) == (10, 128, 1.0)
    assert not (args.augment or args.pen or args.reject) and args.init is None
    assert args.teacher is None
    from recognizer.core.model import build_model

    model = build_model()
    assert model.output_shape == (None, 10)
    assert model.layers[-1].get_config()["activation"] == "softmax"
    assert build_model(reject=True).output_shape == (None, 11)


def write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def good_arrays(n=10):
    return dict(x_train=np.zeros((n, 28, 28), np.uint8), y_train=np.zeros(n, np.uint8),
                x_test=np.zeros((n, 28, 28), np.uint8), y_test=np.zeros(n, np.uint8))


@pytest.mark.parametrize(
    "case,expected",
    [
        ("missing", "data file not found"),
        ("corrupt", "not a readable .npz"),
        ("empty", "not a readable .npz"),
        ("no-key", "lacks the key(s) y_test"),
        ("bad-shape", "x_train has shape (10, 32, 32)"),
        ("bad-labels", "labels outside 0-9"),
        ("label-count", "y_test has shape (3,)"),
    ],
)
def test_bad_data_file_gives_one_line_and_status_1(tmp_path, case, expected):
    path = tmp_path / "data.npz"
    arrays = good_arrays()
    if case == "corrupt":
        path.write_bytes(b"PK\x03\x04 definitely not a zip archive" * 10)
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "no-key":
        del arrays["y_test"]
    elif case == "bad-shape":
        arrays["x_train"] = np.zeros((10, 32, 32), np.uint8)
    elif case == "bad-labels":
        arrays["y_train"] = np.full(10, 12, np.uint8)
    elif case == "label-count":
        arrays["y_test"] = np.zeros(3, np.uint8)
    if case not in ("missing", "corrupt", "empty"):
        write_npz(path, **arrays)
    result = run_script("--data", path, "--out", tmp_path / "out", timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert expected in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_fine_tuning_with_pen_copies_starts_from_the_given_model(tmp_path):
    from tests.conftest import MNIST_NPZ

    if not MNIST_NPZ.is_file():
        pytest.skip(f"needs the MNIST data set at {MNIST_NPZ} (present in CI, not in clones)")
    out = tmp_path / "tuned"
    result = run_script("--data", MNIST_NPZ, "--limit", 300, "--epochs", 1, "--pen", "--reject",
                        "--learning-rate", 0.3, "--init", config.KERAS_MODEL, "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    # 270 digits (30 kept back for calibration) and their pen-style copies, 35 styled digits,
    # 75 photographed digits, 150 negatives and the detector's candidates in 5 scenes (the
    # shares of --limit 300)
    found = re.search(r"150 negatives, 35 styled digits, 75 photographed digits and (\d+) "
                      r"scene candidates", result.stdout)
    assert found, result.stdout[-2000:]
    scenes = int(found.group(1))
    assert scenes >= 5  # about ten digits a scene
    assert metrics["training_images"] == 540 + 35 + 75 + 150 + scenes
    assert metrics["options"]["pen"] is True and metrics["options"]["reject"] is True
    # One epoch on 600 images cannot reach this from random weights; the shipped ones can.
    assert metrics["test_accuracy"] > 0.97


def test_missing_init_model_is_one_error_line(tmp_path):
    path = write_npz(tmp_path / "data.npz", **good_arrays())
    result = run_script("--data", path, "--init", tmp_path / "none.keras", timeout=120)
    assert result.returncode == 1 and "--init model not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_model_of_another_architecture_is_one_error_line(tmp_path):
    import keras

    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    other.save(tmp_path / "other.keras")
    path = write_npz(tmp_path / "data.npz", **good_arrays())
    result = run_script("--data", path, "--init", tmp_path / "other.keras",
                        "--out", tmp_path / "out", timeout=180)
    assert result.returncode == 1, result.stderr[-1000:]
    assert "is not a model of this architecture" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_the_teacher_softens_the_digits_targets_and_leaves_the_negatives_hard(tmp_path):
    """--teacher: a digit's target is DISTILL_WEIGHT of the teacher's softmax plus the rest of
    its one-hot label; a "not a digit" target stays one-hot."""
    import keras
    import tensorflow as tf

    from recognizer.training import teachers

    # A teacher whose logits are its input's mean times a fixed vector: known softmaxes.
    inputs = keras.Input((28, 28, 1))
    mean = keras.layers.GlobalAveragePooling2D()(inputs)
    ramp_weights = keras.initializers.Constant(np.arange(11, dtype=np.float32)[None, :])
    logits = keras.layers.Dense(11, use_bias=False, kernel_initializer=ramp_weights)(mean)
    keras.Model(inputs, logits).save(tmp_path / "teacher.keras")
    x = np.stack([np.full((28, 28, 1), v, np.float32) for v in (0.0, 1.0, 1.0)])
    y = keras.utils.to_categorical([3, 7, config.REJECT_CLASS], 11)
    teacher = teachers.load_teacher(tmp_path / "teacher.keras", 11)
    distil = teachers.make_distiller([teacher], 0.8)
    _, soft = distil(tf.constant(x), tf.constant(y))
    soft = soft.numpy()
    uniform = np.full(11, 1 / 11)
    ramp = np.exp(np.arange(11)) / np.exp(np.arange(11)).sum()
    assert np.allclose(soft[0], 0.2 * y[0] + 0.8 * uniform, atol=1e-5)
    assert np.allclose(soft[1], 0.2 * y[1] + 0.8 * ramp, atol=1e-5)
    assert np.array_equal(soft[2], y[2])  # the negative keeps its hard target
    assert np.allclose(soft.sum(axis=1), 1.0, atol=1e-5)
    # --distill-doubt-to-label: the teacher's "not a digit" share goes to the label
    _, moved = teachers.make_distiller([teacher], 0.8, doubt_to_label=True)(
        tf.constant(x), tf.constant(y))
    moved = moved.numpy()
    expected = 0.8 * ramp
    expected[7] += 0.8 * ramp[config.REJECT_CLASS]
    expected[config.REJECT_CLASS] = 0.0
    assert np.allclose(moved[1], 0.2 * y[1] + expected, atol=1e-5)
    assert moved[0, config.REJECT_CLASS] == 0.0 and moved[0, 3] > soft[0, 3]
    assert np.array_equal(moved[2], y[2])
    assert np.allclose(moved.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="outputs"):
        teachers.load_teacher(tmp_path / "teacher.keras", 13)


def test_a_digits_only_teacher_gives_not_a_digit_no_share(tmp_path):
    """A teacher of the ten digits ending in a softmax (the models shipped before "not a
    digit"): its probabilities are taken as they are, and "not a digit" gets none of a
    digit's target; beside another teacher, the target takes their mean."""
    import keras
    import tensorflow as tf

    from recognizer.training import teachers

    inputs = keras.Input((28, 28, 1))
    mean = keras.layers.GlobalAveragePooling2D()(inputs)
    ramp_weights = keras.initializers.Constant(np.arange(10, dtype=np.float32)[None, :])
    probs = keras.layers.Dense(10, use_bias=False, activation="softmax",
                               kernel_initializer=ramp_weights)(mean)
    keras.Model(inputs, probs).save(tmp_path / "digits.keras")
    x = np.ones((2, 28, 28, 1), np.float32)
    y = keras.utils.to_categorical([7, config.REJECT_CLASS], 11)
    teacher = teachers.load_teacher(tmp_path / "digits.keras", 11)
    _, soft = teachers.make_distiller([teacher], 0.8)(tf.constant(x), tf.constant(y))
    soft = soft.numpy()
    ramp = np.exp(np.arange(10)) / np.exp(np.arange(10)).sum()  # softmax once, not twice
    assert np.allclose(soft[0], 0.2 * y[0] + 0.8 * np.append(ramp, 0.0), atol=1e-5)
    assert np.array_equal(soft[1], y[1])
    # with a second teacher (uniform over eleven: all-zero weights), their mean
    zero = keras.layers.Dense(11, use_bias=False, kernel_initializer="zeros")(mean)
    keras.Model(inputs, zero).save(tmp_path / "uniform.keras")
    uniform = teachers.load_teacher(tmp_path / "uniform.keras", 11)
    _, soft = teachers.make_distiller([teacher, uniform], 0.8)(tf.constant(x), tf.constant(y))
    mean_soft = (np.append(ramp, 0.0) + np.full(11, 1 / 11)) / 2
    assert np.allclose(soft.numpy()[0], 0.2 * y[0] + 0.8 * mean_soft, atol=1e-5)


@pytest.mark.parametrize(
    "extra,expected",
    [
        (["--reject", "--teacher", "none.keras"], "--teacher model not found"),
        (["--teacher", "models/mnist_cnn.keras"], "--teacher needs --reject"),
        (["--reject", "--teacher", "models/mnist_cnn.keras", "--distill-weight", "1.5"],
         "--distill-weight must be between 0 and 1"),
        (["--reject", "--distill-weight", "0.5"], "--distill-weight needs --teacher"),
        (["--reject", "--distill-doubt-to-label"], "--distill-doubt-to-label needs --teacher"),
        (["--reject", "--teacher", "NINE_CLASSES"], "the teacher has 9 outputs"),
    ],
)
def test_teacher_errors_are_one_line(tmp_path, extra, expected):
    """A teacher that cannot teach the run fails at once, before the data is made."""
    import keras

    nine = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(9)])
    nine.save(tmp_path / "nine.keras")
    extra = [str(tmp_path / "nine.keras") if e == "NINE_CLASSES" else e for e in extra]
    path = write_npz(tmp_path / "data.npz", **good_arrays())
    result = run_script("--data", path, *extra, "--out", tmp_path / "out", timeout=120)
    assert result.returncode != 0 and expected in result.stderr, result.stderr[-1000:]
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_distilled_run_trains_and_records_its_teacher(tmp_path):
    """--teacher end to end on a short run from the shipped model: it trains through the
    distilling map, reads MNIST as well as it started, and the metrics name the teacher
    and its weight."""
    from tests.conftest import MNIST_NPZ

    if not MNIST_NPZ.is_file():
        pytest.skip(f"needs the MNIST data set at {MNIST_NPZ} (present in CI, not in clones)")
    out = tmp_path / "distilled"
    result = run_script("--data", MNIST_NPZ, "--limit", 300, "--epochs", 1, "--reject",
                        "--learning-rate", 0.3, "--init", config.KERAS_MODEL,
                        "--teacher", config.KERAS_MODEL, "--out", out)
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["options"]["teacher"] == [str(config.KERAS_MODEL)]
    assert metrics["options"]["distill_weight"] == config.DISTILL_WEIGHT
    assert metrics["test_accuracy"] > 0.97
