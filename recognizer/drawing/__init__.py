"""Digits drawn with a pen: `strokes` records strokes and reads them as a number (no Tk),
`app` is the Tk drawing window on top of it, and `trace` turns a digit image back into
pen strokes for drawn-style test and training data."""
