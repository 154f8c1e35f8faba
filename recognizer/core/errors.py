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
