"""The CNN of the tutorial, defined once so that training and the Keras fallback share it."""

from recognizer.core.config import IMAGE_SIZE, NUM_CLASSES


def build_model():
    """Return the tutorial's CNN: two convolutions, pooling, dropout, two dense layers."""
    import keras  # imported here so that inference through LiteRT never loads TensorFlow
    from keras import layers

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
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mnist_cnn",
    )
