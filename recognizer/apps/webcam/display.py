"""Is there a screen to open a window on? Asked before OpenCV tries, since its Qt backend
aborts the whole process when $DISPLAY names a server that is gone."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys


def _x_display_answers(display: str) -> bool:
    """Whether the X server named by `display` accepts a connection (libX11 via ctypes).

    OpenCV's Qt backend aborts the whole process when DISPLAY names a server that is gone
    (a stale ssh session), so ask first. Where libX11 cannot be loaded, assume it answers.
    """
    name = ctypes.util.find_library("X11")
    if name is None:
        return True
    try:
        xlib = ctypes.cdll.LoadLibrary(name)
    except OSError:
        return True
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = xlib.XOpenDisplay(display.encode())
    if not handle:
        return False
    xlib.XCloseDisplay(handle)
    return True


def display_available() -> bool:
    """Whether a window can be shown: always on Windows/macOS, else a reachable X11 display
    or a Wayland one."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    if os.environ.get("WAYLAND_DISPLAY"):
        return True
    display = os.environ.get("DISPLAY")
    return bool(display) and _x_display_answers(display)
