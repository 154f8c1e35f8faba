"""The errors the package raises with a message meant for the user.

Every one is a `RecognizerError`: the command line prints its message on one line and exits
1, instead of a traceback. Each says what went wrong and what to do about it.
"""


class RecognizerError(Exception):
    """Base class of the errors raised with a message meant for the user."""


class ModelNotFoundError(RecognizerError, FileNotFoundError):
    """No model file where one was expected."""


class ModelLoadError(RecognizerError):
    """A model file exists but cannot be loaded (corrupt, truncated, wrong format)."""


class ImageLoadError(RecognizerError):
    """A file that cannot be read as an image; the message says why, for the report."""


class OutputError(RecognizerError):
    """An output file (a recording, a snapshot, an annotated image) cannot be written."""


class UnsupportedImageError(RecognizerError, ValueError):
    """An array that is no image: not H x W or H x W x 1-4, or pixels that are not numbers.

    A ValueError too, as a wrong argument is; every entry point that takes pixels
    (`to_mnist`, `find_digits`, `to_bgr8`) raises it and nothing else for such input.
    """
