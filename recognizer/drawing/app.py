"""`recognizer draw`: a Tk window to draw a digit or a number and see it read live.

Wiring and widgets only: the pen's strokes go into `strokes.Drawing` (an offscreen image, no
screen grabbing) and are read by `reading.read_drawing` with the shared `Recognizer`. Keys:
Enter recognises, Escape/Delete clears, Ctrl+Z undoes the last stroke, Ctrl+S saves the
drawing as a PNG.

tkinter is imported where a window is opened, not at the top: on a Python built without Tk
the import itself fails, and `open_root` turns that into one line saying what to install.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.errors import RecognizerError, one_line_reason
from recognizer.core.predict import Recognizer
from recognizer.drawing.reading import read_drawing, read_strokes
from recognizer.drawing.strokes import Drawing, Stroke

TITLE = "recognizer - draw a digit or a number"
NO_DISPLAY_HINT = (
    "the drawing app needs a display ({reason}); without one, use 'recognizer photos FOLDER' "
    "or 'recognizer webcam --headless'"
)
BAR_COLOUR = "#9db4d0"
TOP_BAR_COLOUR = "#2a6fc9"
UNSURE_COLOUR = "#c07a00"
# The reading's font sizes, largest first: the first at which it fits two lines is used.
RESULT_FONT_SIZES = (20, 16, 13, 11, 9)
# The model is run on dummy batches of these sizes this long after the window opens.
WARM_UP_BATCHES = (1, 2, 4)
WARM_UP_DELAY_MS = 100


class DisplayUnavailableError(RecognizerError):
    """No screen to open a window on (no $DISPLAY, or the X server refused)."""


def open_root():
    """A Tk root window, or DisplayUnavailableError with the one line the user needs.

    Checked before the model loads, so that a machine without a screen hears about it first.
    """
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise DisplayUnavailableError(NO_DISPLAY_HINT.format(reason="$DISPLAY is not set"))
    try:
        import tkinter
    except ImportError as exc:
        raise DisplayUnavailableError(
            NO_DISPLAY_HINT.format(reason=f"Tk is not installed: {exc}; apt-get install python3-tk")
        ) from exc
    if sys.platform == "win32":  # sharp, not bitmap-scaled, on high-DPI Windows screens
        try:
            import ctypes

            ctypes.windll.shcore.SetProcessDpiAwareness(1)
        except (AttributeError, OSError):
            pass
    try:
        return tkinter.Tk(className="recognizer")
    except tkinter.TclError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "Tk could not open a window"
        raise DisplayUnavailableError(NO_DISPLAY_HINT.format(reason=reason)) from exc


def dpi_scale(root) -> float:
    """How many times denser than 96 dpi the screen is (1.0 on ordinary screens)."""
    return max(1.0, root.winfo_fpixels("1i") / 96.0)


def patch_photo(tkinter_module, patch, zoom: int):
    """A Tk PhotoImage of a 28x28 float patch (white ink on black, as the model saw it)."""
    pixels = (np.clip(patch, 0.0, 1.0) * 255).astype(np.uint8)
    height, width = pixels.shape
    header = f"P5 {width} {height} 255\n".encode("ascii")
    photo = tkinter_module.PhotoImage(data=header + pixels.tobytes(), format="PPM")
    return photo.zoom(zoom) if zoom > 1 else photo


class DrawApp:
    """The window: canvas on the left; reading, buttons, patch and bar chart on the right."""

    def __init__(
        self, root, recognizer, min_confidence: float = config.MIN_CONFIDENCE, debug: bool = False
    ):
        import tkinter as tk
        from tkinter import font as tkfont

        self.tk = tk
        self.root = root
        self.recognizer = recognizer
        self.min_confidence = min_confidence
        self.debug = debug  # a failed reading's report carries its traceback
        self.scale = dpi_scale(root)
        self.reading = None
        self.status_text = ""
        self._pending = None
        self._photos = []  # PhotoImages must stay referenced while shown

        width = round(config.CANVAS_WIDTH * self.scale)
        height = round(config.CANVAS_HEIGHT * self.scale)
        self.drawing = Drawing(width, height)

        root.title(TITLE)
        root.columnconfigure(0, weight=1)
        root.rowconfigure(0, weight=1)
        pad = round(6 * self.scale)

        self.canvas = tk.Canvas(
            root, width=width, height=height, bg="white", highlightthickness=0,
            cursor="pencil",
        )
        self.canvas.grid(row=0, column=0, sticky="nsew", padx=pad, pady=pad)

        side = tk.Frame(root)
        side.grid(row=0, column=1, sticky="ns", padx=(0, pad), pady=pad)
        big = tkfont.Font(root=root, size=20, weight="bold")
        self.zoom = max(1, round(config.PATCH_ZOOM * self.scale))
        self.panel_width = config.IMAGE_SIZE * self.zoom * 3 + 2 * pad
        self.result_font = big
        self.result = tk.Label(
            side, text="Draw a digit", font=big, anchor="nw", justify="left",
            wraplength=self.panel_width, height=2,  # fixed: a long reading must not
        )  # change the layout (and so the canvas size and pen) while drawing
        self.result.pack(fill="x")
        self.result_default_colour = self.result.cget("fg")
        self.details = tk.Label(side, text="", anchor="nw", justify="left", height=2)
        self.details.pack(fill="x")

        buttons = tk.Frame(side)
        buttons.pack(fill="x", pady=pad)
        self.recognise_button = tk.Button(buttons, text="Recognise", command=self.recognise)
        self.recognise_button.pack(side="left", expand=True, fill="x")
        self.clear_button = tk.Button(buttons, text="Clear", command=self.clear)
        self.clear_button.pack(side="left", expand=True, fill="x")

        tk.Label(side, text="What the model saw:", anchor="w").pack(fill="x")
        self.patches = tk.Canvas(
            side, width=self.panel_width, height=config.IMAGE_SIZE * self.zoom, bg="black",
            highlightthickness=0,
        )
        self.patches.pack(anchor="w")

        tk.Label(side, text="Probabilities:", anchor="w").pack(fill="x", pady=(pad, 0))
        self.chart = tk.Canvas(
            side, width=self.panel_width, height=round(110 * self.scale),
            bg="white", highlightthickness=0,
        )
        self.chart.pack(anchor="w")
        self.bar_values: tuple[float, ...] = ()

        self.status = tk.Label(root, text=config.DRAW_KEYS_HINT, anchor="w", fg="#555555")
        self.status.grid(row=1, column=0, columnspan=2, sticky="ew", padx=pad, pady=(0, pad))

        self.canvas.bind("<ButtonPress-1>", self._on_press)
        self.canvas.bind("<B1-Motion>", self._on_motion)
        self.canvas.bind("<ButtonRelease-1>", self._on_release)
        self.canvas.bind("<Configure>", self._on_resize)
        for key in ("<Return>", "<KP_Enter>"):
            root.bind(key, lambda _event: self.recognise())
        for key in ("<Escape>", "<Delete>"):
            root.bind(key, lambda _event: self.clear())
        for key in ("<Control-z>", "<Control-Z>"):
            root.bind(key, lambda _event: self.undo())
        for key in ("<Control-s>", "<Control-S>"):
            root.bind(key, lambda _event: self.save())
        root.minsize(round(480 * self.scale), round(300 * self.scale))
        self._draw_chart(None)
        root.after(WARM_UP_DELAY_MS, self._warm_up)

    def _warm_up(self) -> None:
        """Read a dummy stroke and run the model once per batch size a few digits need, once
        the window shows, so that the first readings are as quick as the rest."""

        read_strokes([Stroke(((10.0, 10.0), (10.0, 50.0)), 4)], self.recognizer)
        for size in WARM_UP_BATCHES:
            self.recognizer.predict_probabilities(
                np.zeros((size, config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
            )

    # --- pen ------------------------------------------------------------------------------
    def _tag(self) -> str:
        return f"stroke{len(self.drawing.strokes)}"

    def _on_press(self, event) -> None:
        self.drawing.begin(event.x, event.y)
        radius = self.drawing.pen_width / 2
        self.canvas.create_oval(
            event.x - radius, event.y - radius, event.x + radius, event.y + radius,
            fill="black", outline="", tags=(self._tag(), "ink"),
        )
        self._last = (event.x, event.y)
        self._schedule()

    def _on_motion(self, event) -> None:
        if not self.drawing.is_drawing:
            return
        self.canvas.create_line(
            *self._last, event.x, event.y, width=self.drawing.pen_width, fill="black",
            capstyle="round", joinstyle="round", tags=(self._tag(), "ink"),
        )
        self._last = (event.x, event.y)
        self.drawing.extend(event.x, event.y)
        self._schedule()

    def _on_release(self, event) -> None:
        if not self.drawing.is_drawing:
            return
        self._on_motion(event)
        self.drawing.end()
        self._schedule()

    def _on_resize(self, event) -> None:
        self.drawing.resize(event.width, event.height)

    # --- actions --------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Read again LIVE_DEBOUNCE_MS after the last change: the pen never waits for it."""
        if self._pending is not None:
            self.root.after_cancel(self._pending)
        self._pending = self.root.after(config.LIVE_DEBOUNCE_MS, self.recognise)

    def recognise(self):
        """Read the drawing now and show the result (the Recognise button, Enter)."""

        if self._pending is not None:
            self.root.after_cancel(self._pending)
            self._pending = None
        started = time.perf_counter()
        try:
            self.reading = read_drawing(self.drawing, self.recognizer)
        except Exception as exc:  # the per-reading boundary: say so, the pen goes on
            self._reading_failed(exc)
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self._show(self.reading, elapsed_ms)
        return self.reading

    def _reading_failed(self, exc: Exception) -> None:
        """One reading broke (a bug on an odd drawing): one line on the status bar and on
        stderr (the traceback too with --debug); the drawing stays, the next reading runs."""
        reason = one_line_reason(exc)
        print(f"recognizer draw: the drawing could not be read: {reason}", file=sys.stderr)
        if self.debug:
            traceback.print_exc()
        self._set_status(f"could not read the drawing ({reason}); draw on, or clear")

    def clear(self) -> None:
        """Start again (the Clear button, Escape, Delete)."""
        self.drawing.clear()
        self.canvas.delete("ink")
        self.recognise()

    def undo(self) -> None:
        """Remove the last stroke (Ctrl+Z)."""
        if self.drawing.undo() is not None:
            self.canvas.delete(self._tag())
        self.recognise()

    def choose_save_path(self) -> str:
        from tkinter import filedialog

        return filedialog.asksaveasfilename(
            parent=self.root, title="Save drawing", defaultextension=".png",
            initialfile=time.strftime("drawing-%Y%m%d-%H%M%S.png"),
            filetypes=[("PNG image", "*.png")],
        )

    def save(self) -> Path | None:
        """Save the drawing as a PNG, black on white, as drawn (Ctrl+S)."""

        path = self.choose_save_path()
        if not path:
            return None
        path = Path(path)
        try:
            written = cv2.imwrite(str(path), self.drawing.image)
        except cv2.error:  # an extension OpenCV has no writer for
            written = False
        if not written:
            self._set_status(
                f"could not write {path}: check the folder is writable and the name ends in .png"
            )
            return None
        self._set_status(f"saved {path}")
        return path

    # --- display --------------------------------------------------------------------------
    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.status.configure(text=text)

    def _fit_result_font(self, text: str) -> None:
        """The largest of RESULT_FONT_SIZES at which the reading fits the label's two lines
        (a long number with its confidences is shown in full, not cut at the edge)."""
        width = max(1, self.panel_width)
        for size in RESULT_FONT_SIZES:
            self.result_font.configure(size=size)
            words = text.split(" ")
            lines, used = 1, 0
            space = self.result_font.measure(" ")
            for word in words:
                length = self.result_font.measure(word)
                if used and used + space + length > width:
                    lines, used = lines + 1, length
                else:
                    used += (space if used else 0) + length
            if lines <= 2:
                return

    def _show(self, reading, elapsed_ms: float) -> None:
        confident = reading.is_confident(self.min_confidence)
        text = reading.label(self.min_confidence)
        self._fit_result_font(text)
        self.result.configure(
            text=text,
            fg=self.result_default_colour if confident or reading.is_empty else UNSURE_COLOUR,
        )
        focus = reading.least_confident()
        if focus is None:
            self.details.configure(text="")
        elif len(reading.digits) == 1:
            self.details.configure(text=f"read in {elapsed_ms:.1f} ms")
        else:
            index = reading.digits.index(focus) + 1
            self.details.configure(
                text=f"{len(reading.digits)} digits, read in {elapsed_ms:.1f} ms\n"
                f"chart: digit #{index} of {len(reading.digits)}, the least sure"
            )
        self._draw_patches(reading)
        self._draw_chart(focus)

    def _draw_patches(self, reading) -> None:
        self.patches.delete("all")
        self._photos = []
        count = len(reading.digits)
        gap = round(4 * self.scale)
        # Up to three patches at full zoom; more shrink to fit the panel.
        zoom = self.zoom
        while zoom > 1 and count * (config.IMAGE_SIZE * zoom + gap) - gap > self.panel_width:
            zoom -= 1
        x = 0
        for digit in reading.digits:
            photo = patch_photo(self.tk, digit.patch, zoom)
            self._photos.append(photo)
            self.patches.create_image(x, 0, image=photo, anchor="nw")
            x += config.IMAGE_SIZE * zoom + gap

    def _draw_chart(self, focus) -> None:
        chart = self.chart
        chart.delete("all")
        chart.update_idletasks()
        width = int(chart.cget("width"))
        height = int(chart.cget("height"))
        label_height = round(16 * self.scale)
        slot = width / config.NUM_CLASSES
        probabilities = focus.prediction.probabilities if focus is not None else (0.0,) * 10
        self.bar_values = tuple(probabilities)
        top = max(range(config.NUM_CLASSES), key=lambda d: probabilities[d])
        for digit, probability in enumerate(probabilities):
            x0 = digit * slot + slot * 0.15
            x1 = (digit + 1) * slot - slot * 0.15
            bar_top = (height - label_height) * (1.0 - probability)
            colour = TOP_BAR_COLOUR if focus is not None and digit == top else BAR_COLOUR
            if probability > 0:
                chart.create_rectangle(
                    x0, bar_top, x1, height - label_height, fill=colour, outline=""
                )
            chart.create_text(
                (x0 + x1) / 2, height - label_height / 2, text=str(digit), fill="#333333"
            )


def run(args: argparse.Namespace) -> int:
    root = open_root()  # before the model: no display is the first thing to report
    try:
        recognizer = Recognizer(args.model, backend=args.backend)
    except RecognizerError:
        root.destroy()
        raise
    DrawApp(root, recognizer, args.min_confidence, debug=getattr(args, "debug", False))
    root.mainloop()
    return 0
