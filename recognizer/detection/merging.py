"""Pieces into digits: merge the strokes of one digit, close-ups.

A 5's detached bar, a 4 drawn in two strokes or a stroke the threshold broke are merged into
one blob; a close-up of one digit broken into pieces, or a tight crop, becomes one blob that
is read whole. A wide blob of touching digits stays one candidate: `read_digits` re-reads it
by recognition (`core.strings`, through `detection.touching`).
"""

from __future__ import annotations


from recognizer.core import config
from recognizer.detection.blobs import Blob, box_holds


def _is_underline(piece: Blob, digit: Blob, typical: float) -> bool:
    """A flat piece lying under a digit: a piece of a ruled or form line, not of the digit."""
    flat = piece.h <= config.UNDERLINE_MAX_HEIGHT * max(typical, digit.h) and piece.w >= config.UNDERLINE_MIN_ASPECT * piece.h
    return flat and piece.y0 >= digit.y1 - config.UNDERLINE_OVERLAP * digit.h


def merge_pieces(blobs: list[Blob], typical: float) -> list[Blob]:
    """Merge pieces of one digit: boxes that overlap horizontally and nearly touch vertically.

    A 5's detached top bar, a 4 drawn in two strokes or a light stroke broken by the
    threshold sit above/below the rest of the digit with most of their width shared; the
    merged box must still look like one digit (not taller than MERGE_MAX_HEIGHT x typical).
    """
    blobs = sorted(blobs, key=lambda b: -b.area)
    merged = True
    while merged:
        merged = False
        for i, big in enumerate(blobs):
            for j in range(len(blobs) - 1, i, -1):
                small = blobs[j]
                overlap_x = min(big.x1, small.x1) - max(big.x0, small.x0)
                if overlap_x < config.MERGE_OVERLAP * min(big.w, small.w):
                    continue
                gap_y = max(big.y0, small.y0) - min(big.y1, small.y1)
                if gap_y > config.MERGE_GAP * max(typical, big.h):
                    continue
                if _is_underline(small, big, typical):
                    continue
                height = max(big.y1, small.y1) - min(big.y0, small.y0)
                width = max(big.x1, small.x1) - min(big.x0, small.x0)
                # Too tall for one digit - unless the boxes overlap (pieces of one stroke
                # the threshold broke apart) into a digit-shaped whole.
                interlocked = gap_y < 0 and width <= height
                if typical and height > config.MERGE_MAX_HEIGHT * typical and not interlocked:
                    continue
                if width > height * config.MERGE_MAX_ASPECT and small.area > config.MERGE_SIDE_AREA * big.area:
                    continue
                big.absorb(small)
                del blobs[j]
                merged = True
    return _merge_fragments(blobs, typical)


def _merge_fragments(blobs: list[Blob], typical: float) -> list[Blob]:
    """Merge a small fragment (a light stroke's broken-off piece, beside rather than above
    its digit) into the nearest bigger blob when it (almost) touches it and the result
    still has a digit's shape."""
    if not typical:
        return blobs
    limit = config.PIECE_FRAGMENT_GAP * typical
    for small in sorted(blobs, key=lambda b: b.area):
        if small.h >= config.PIECE_FRAGMENT_HEIGHT * typical or small not in blobs:
            continue
        best, best_gap = None, limit
        for big in blobs:
            if big is small or big.h < small.h:
                continue
            gap_x = max(big.x0, small.x0) - min(big.x1, small.x1)
            gap_y = max(big.y0, small.y0) - min(big.y1, small.y1)
            gap = max(gap_x, gap_y, 0)
            width = max(big.x1, small.x1) - min(big.x0, small.x0)
            height = max(big.y1, small.y1) - min(big.y0, small.y0)
            if gap <= best_gap and width <= config.MERGE_MAX_ASPECT * height \
                    and height <= config.MERGE_MAX_HEIGHT * typical:
                best, best_gap = big, gap
        if best is not None:
            best.absorb_fragment(small)
            blobs.remove(small)
    return blobs


def merge_close_up(
    blobs: list[Blob], pieces: list[Blob], frame_shape: tuple[int, int]
) -> list[Blob]:
    """A close-up of one digit that the threshold broke into pieces (textured paper, a light
    stroke), some too small or too tall to pass as digits on their own, is one digit.

    When there are only a few candidates, they are merged - with the other sizeable pieces
    of the frame, if that still makes one digit - provided that together they fill most of
    the frame's height in a digit's shape.
    """
    if not blobs or len(blobs) > config.CLOSE_UP_MAX_PIECES:
        return blobs
    largest = max(b.area for b in blobs)
    extra = [
        p for p in pieces
        if p not in blobs and p.area >= config.CLOSE_UP_PIECE_AREA * largest
        and not any(box_holds(p, b) for b in blobs)  # the sheet's edge around the digit
    ]
    for group in (blobs + extra, blobs):
        if len(group) < 2 or len(group) > 2 * config.CLOSE_UP_MAX_PIECES:
            continue
        whole = Blob(group[0].x0, group[0].y0, group[0].x1, group[0].y1, [], 0)
        for blob in group:
            whole.absorb(blob)
        if whole.h < config.CLOSE_UP_MIN_HEIGHT * frame_shape[0]:
            continue
        if whole.w > config.CLOSE_UP_MAX_ASPECT * whole.h:
            continue
        whole.alone = True
        return [whole]
    return blobs


def whole_frame_blob(pieces: list[Blob], frame_shape: tuple[int, int]) -> Blob | None:
    """All the frame's ink as one blob (a tight crop of one digit), or None if too little."""
    if not pieces:
        return None
    blob = Blob(pieces[0].x0, pieces[0].y0, pieces[0].x1, pieces[0].y1, [], 0)
    for piece in pieces:
        blob.absorb(piece)
    if blob.h < config.MIN_DIGIT_FRACTION * min(frame_shape):
        return None
    blob.alone = True
    return blob
