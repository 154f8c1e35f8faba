"""The CNN of the tutorial, defined once so that training and the Keras fallback share it."""

from recognizer.core.config import IMAGE_SIZE, NUM_CLASSES


def build_model(reject: bool = False):
    """Return the tutorial's CNN: two convolutions, pooling, dropout, two dense layers.

    reject: one more output, "not a digit" (config.REJECT_CLASS), and the last layer gives
    logits instead of softmax probabilities, so that the core can calibrate them (a
    temperature) and score them; without it, the tutorial's model exactly.
    """
    import keras  # imported here so that inference through LiteRT never loads TensorFlow
    from keras import layers

    outputs = (
        layers.Dense(NUM_CLASSES + 1, name="logits")
        if reject
        else layers.Dense(NUM_CLASSES, activation="softmax")
    )
    return keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.5),
            outputs,
        ],
        name="mnist_cnn",
    )
