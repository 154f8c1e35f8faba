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


def one_line_reason(exc: BaseException, limit: int = 200) -> str:
    """An exception as one line for a report: its type and its message's last non-empty line
    (OpenCV puts the assertion there), shortened to `limit` characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[-1]}" if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unexpected_reason(exc: BaseException) -> str:
    """The report of an error the package did not expect while reading one input: what
    happened, and what to do (rerun with --debug for the traceback, and report it)."""
    return (
        f"unexpected error ({one_line_reason(exc)}); skipped - rerun with --debug for the "
        "traceback and please report it"
    )
