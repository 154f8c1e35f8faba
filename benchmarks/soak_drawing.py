#!/usr/bin/env python3
"""Soak the drawing app: 1,000 draw/read/clear cycles through real Tk events, under a
private Xvfb; RSS and the count of Tk objects flat.

Each cycle draws a digit (or a two-digit number) with generated press/motion/release events
on the canvas, lets the live reading run (Tk's `after`, as a user's pause would), and clears
with the Escape key. Every 100 cycles it prints the RSS, the number of Tk widgets (walked
recursively), Tk images (`image names`: the patches shown are PhotoImages) and canvas items.

    .venv/bin/python benchmarks/soak_drawing.py [--cycles 1000] [--every 100]

Needs Xvfb (apt-get install xvfb). Target (issue 14): RSS flat, no Tk object growth.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognizer.core import config  # noqa: E402
from recognizer.core.predict import Recognizer  # noqa: E402

# Digits as strokes on the 640 x 320 canvas: a 1, a 7, a 0 and a two-digit 17.
SHAPES = (
    [[(120, 60), (120, 260)]],
    [[(300, 60), (400, 60), (340, 260)]],
    [[(480 + 45 * np.cos(a), 160 + 95 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 40)]],
    [[(120, 60), (120, 260)], [(300, 60), (400, 60), (340, 260)]],
)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """A private X server on a free display number; returns it and its DISPLAY."""
    if shutil.which("Xvfb") is None:
        sys.exit("needs Xvfb (apt-get install xvfb)")
    number = next(n for n in range(150, 250) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                  and not Path(f"/tmp/.X{n}-lock").exists())
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            sys.exit("Xvfb did not start")
        time.sleep(0.05)
    return server, f":{number}"


def widgets(widget) -> int:
    """The widget and all its descendants."""
    return 1 + sum(widgets(child) for child in widget.winfo_children())


def draw(app, shape) -> None:
    """Press, move and release along each stroke, a motion event every ~8 px."""
    canvas = app.canvas
    for points in shape:
        dense = []
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            steps = max(1, int(np.hypot(x1 - x0, y1 - y0) // 8))
            dense += [(x0 + (x1 - x0) * t / steps, y0 + (y1 - y0) * t / steps) for t in range(steps)]
        dense.append(points[-1])
        canvas.event_generate("<ButtonPress-1>", x=int(dense[0][0]), y=int(dense[0][1]))
        for x, y in dense[1:]:
            canvas.event_generate("<B1-Motion>", x=int(round(x)), y=int(round(y)))
        canvas.event_generate("<ButtonRelease-1>", x=int(round(dense[-1][0])),
                              y=int(round(dense[-1][1])))
    app.root.update()


def pump_until_read(app, timeout: float = 2.0) -> str:
    """Run the event loop until the debounced live reading has shown a result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.root.update()
        if app._pending is None and app.result.cget("text") != "Draw a digit":
            break
        time.sleep(0.002)
    return app.result.cget("text")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args(argv)
    server, display = start_xvfb()
    os.environ["DISPLAY"] = display
    try:
        from recognizer.drawing.app import DrawApp, open_root

        root = open_root()
        app = DrawApp(root, Recognizer())
        root.update()
        print(f"canvas {app.drawing.width}x{app.drawing.height}, live reading after "
              f"{config.LIVE_DEBOUNCE_MS} ms, display {display}")
        rows, unread = [], 0
        start = time.perf_counter()
        for cycle in range(1, args.cycles + 1):
            draw(app, SHAPES[cycle % len(SHAPES)])
            if pump_until_read(app) == "Draw a digit":
                unread += 1
            root.focus_force()
            root.event_generate("<Escape>")
            root.update()
            assert app.drawing.is_empty and not app.canvas.find_withtag("ink")
            if cycle == 1 or cycle % args.every == 0:
                rows.append((cycle, rss_mb(), widgets(root),
                             len(root.tk.splitlist(root.tk.call("image", "names"))),
                             len(app.canvas.find_all()) + len(app.patches.find_all())
                             + len(app.chart.find_all()),
                             time.perf_counter() - start))
        root.destroy()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"cycles: {args.cycles}, cycles whose reading never showed: {unread}")
    print("| cycles | RSS (MB) | Tk widgets | Tk images | canvas items | seconds |\n"
          "|---:|---:|---:|---:|---:|---:|")
    for cycle, rss, count, images, items, seconds in rows:
        print(f"| {cycle:,} | {rss:.1f} | {count} | {images} | {items} | {seconds:.1f} |")
    if len(rows) >= 3:
        print(f"RSS change from {rows[1][0]:,} cycles to the end: {rows[-1][1] - rows[1][1]:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
