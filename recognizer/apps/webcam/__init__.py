"""The live webcam loop: `sources` (cameras, video files), `processing` (one frame: detect,
read, track), `overlay` (what the window shows), `outputs` (recordings, JSON lines,
snapshots), `display` (is there a screen) and `loops` (the window and headless loops, and
the `webcam` subcommand's `run`)."""
