"""Find handwritten digits on paper in a frame, in reading order, and read them in one batch.

The tutorial way (one global threshold, external contours, one `predict` per crop) fails on
real paper: uneven light and shadows, ruled lines and specks, a 5 whose top bar is a separate
stroke, digits that touch. This detector:

1. thresholds the ink against the paper around it (`ink`: the paper's light is estimated
   locally and divided out, then a noise-adaptive threshold with hysteresis); a mostly dark
   image is tried both ways round (`polarity`: light ink on a board, or a dim sheet);
2. finds the connected ink pieces (`blobs`) and drops what is not a digit (`filters`) by
   size relative to the frame and to the typical digit, aspect ratio and fill: the sheet's
   edge and a form's boxes (outlines that surround digits), ruled lines (erased where digits
   touch them), specks, blobs cut by the frame's border, the desk around the sheet;
3. merges pieces of one digit (`merging`: a 5's detached bar, a stroke the threshold broke;
   a fragment merged beside a digit keeps its pieces, for the model to judge once read: it
   may be a small digit beside a big one, `fragments`); a wide blob of touching digits
   stays one candidate;
4. groups digits into lines (chains of vertically overlapping neighbours, so slanted rows
   hold together) and numbers (side by side with small gaps), in reading order (`order`);
5. crops every digit from the full-resolution frame with its own mask, so neighbours do not
   leak in, through `core.preprocess.to_mnist`; `read_digits` reads them all in one call,
   then re-reads wide or rejected candidates as strings of touching digits (`touching`).

This module runs those stages; each lives in the module named beside it. Large frames are
analysed on a reduced copy (at most DETECT_MAX_SIDE px) and cropped from the full one. The
thresholds are named constants in `recognizer.core.config`.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from recognizer.core import config
from recognizer.core.predict import Recognizer
from recognizer.core.preprocess import check_image, to_mnist
from recognizer.detection.blobs import Blob, InkReading, components, typical_height
from recognizer.detection.deblur import read_deblurred
from recognizer.detection.filters import (
    candidates,
    containers,
    cut_by_border,
    drop_off_sheet,
    erase_ruled_lines,
    is_line_or_edge,
    is_vertical_stroke,
)
from recognizer.detection.ink import (
    fill_solid_holes,
    fitted_kernel_fraction,
    maybe_light_on_dark,
    paper_to_white,
    resize_by,
    threshold_ink,
    working_gray,
)
from recognizer.detection.merging import (
    merge_close_up,
    merge_pieces,
    whole_frame_blob,
)
from recognizer.detection.order import reading_order, renumber
from recognizer.detection.page import Page, WholeView, find_page
from recognizer.detection.polarity import reads_light_on_dark, reads_light_on_dark_tie
from recognizer.detection.rereading import read_further
from recognizer.detection.results import Detections, Digit
from recognizer.detection.sheet import Sheet, find_sheet, paper_in_view, quads_to_frame, warp_sheet


def find_digits(
    frame: np.ndarray,
    *,
    whole_frame_fallback: bool = False,
    refine: bool = False,
    sheet: Sheet | None | str = "find",
    patches: bool = True,
    weak_share: float | None = None,
    view: WholeView | None = None,
) -> Detections:
    """Find digit candidates (no model): boxes, patches, lines, numbers; predictions None.

    sheet: "find" (the default) looks for a sheet of paper held up in the frame
    (`sheet.find_sheet`) and reads its upright view (`sheet.warp_sheet`): digits come back
    with their box (the bounding box in the frame) and `quad` (the box's corners in the
    frame). A `Sheet` (the live loop's tracked outline) is used as given; None, or no sheet
    found, reads the whole frame, leaving out the candidates off a page that fills it
    (`page.find_page`: the background showing at its corners). With whole_frame_fallback,
    a sheet on which nothing is found is read whole too.
    view: what is known of the frame read whole (`page.WholeView`: whether paper may fill
    it, the page filling it), as the live loop holds it between the frames it looks on;
    None looks at this frame.
    patches=False leaves the 28x28 patches to be made later, for the digits that need one
    (`Detections.with_patches`): the live loop reads a settled digit only every few frames.
    (The patches of a candidate's parts, `Digit.parts`, are made at once: it is read on
    every frame.)
    weak_share: the ink's weak level as a share of its depth (`ink.threshold_ink`) instead
    of the default (WEAK_INK_DEPTH_SHARE on a sheet, none on a whole frame): a deconvolved
    frame rings around its strokes, which can join neighbouring digits (`deblur`).
    """
    frame = check_image(frame)
    sheet = _look_for_sheet(frame, sheet)
    if sheet is not None:
        upright, matrix = warp_sheet(frame, sheet)
        found = _find_in_view(upright, whole_frame_fallback=False, refine=refine,
                              scale_free=True, patches=patches, weak_share=weak_share)
        if found.digits or not whole_frame_fallback:
            return _back_to_frame(found, matrix, frame.shape[:2])
    elif not whole_frame_fallback and not (paper_in_view(frame) if view is None else view.paper):
        # A camera's frame with no sheet and nothing like paper filling it (clothes, a desk,
        # a coloured wall): no digits to read. Photo mode reads any image.
        return Detections(digits=(), mask=np.zeros(frame.shape[:2], dtype=np.uint8))
    return _find_in_view(frame, whole_frame_fallback=whole_frame_fallback, refine=refine,
                         patches=patches, weak_share=weak_share,
                         page="find" if view is None else view.page)


def _look_for_sheet(frame: np.ndarray, sheet: Sheet | None | str) -> Sheet | None:
    """The sheet to read: the one given (or None), or for "find" the one `find_sheet` finds."""
    if not isinstance(sheet, str):
        return sheet
    if sheet != "find":
        raise ValueError(f"sheet must be 'find', a Sheet or None, not {sheet!r}")
    return find_sheet(frame)


def _back_to_frame(found: Detections, matrix: np.ndarray, shape) -> Detections:
    """Detections of the upright view in frame coordinates: each box's corners through the
    inverse homography (`quad`), its box their bounding box within the frame; the mask
    warped back."""
    height, width = shape

    def mapped(digits) -> list[Digit]:
        out = []
        for digit, quad in zip(digits, quads_to_frame([d.box for d in digits], matrix)):
            x0, y0 = np.floor(quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
            x0, y0 = max(0, x0), max(0, y0)
            x1, y1 = min(width, x1), min(height, y1)
            box = (int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0)))
            out.append(replace(digit, box=box, quad=quad, parts=tuple(mapped(digit.parts))))
        return out

    digits = mapped(found.digits)
    mask = cv2.warpPerspective(found.mask, matrix, (width, height),
                               flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    return Detections(digits=tuple(digits), mask=mask, cropper=found.cropper)


def _find_in_view(
    frame: np.ndarray, *, whole_frame_fallback: bool = False, refine: bool = False,
    scale_free: bool = False, patches: bool = True,
    weak_share: float | None = None, page: Page | None | str = None,
) -> Detections:
    """Find digit candidates in one view (the frame, or the sheet's upright view; on the
    sheet, candidates are scale-free: see `_read_ink`).

    frame: gray, BGR or BGRA (uint8, uint16 or float), any size; one whose shorter side
    (at working scale) is under MIN_DIGIT_PIXELS holds no digit. UnsupportedImageError for
    an array that is no image.
    whole_frame_fallback: when nothing digit-like is found apart from the frame's border
    (a tight crop of one digit touches the edges), read the whole frame as one digit. The
    photo mode sets it; a live camera does not, so an empty frame stays empty.
    refine: when strokes are fine, threshold a second time against a paper estimate fitted
    to them (sharper around shadow edges; costs a few ms, so the photo mode sets it).
    weak_share: see `find_digits` (None: its default for the view).
    page: a whole frame's page (a `Page`; "find" looks for it, `page.find_page`, once
    there are candidates): the candidates off it are left out (the background at its
    corners). None: no page (a sheet's view, or a whole frame whose survey found none).
    """
    frame = check_image(frame)
    if min(frame.shape[:2], default=0) < config.MIN_DIGIT_PIXELS:
        # Empty, or a strip a few px high (a scanner's leftover line): no digit fits in it.
        return Detections(digits=(), mask=np.zeros(frame.shape[:2], dtype=np.uint8))
    gray, scale = working_gray(frame)
    if min(gray.shape) < config.MIN_DIGIT_PIXELS:  # 1:2000 and longer: too thin once reduced
        return Detections(digits=(), mask=np.zeros(frame.shape[:2], dtype=np.uint8))
    reading = _read_ink(gray, False, refine, scale_free, weak_share)
    light_on_dark = False
    if maybe_light_on_dark(gray):
        # Mostly dark: light ink on a dark ground (MNIST style, chalk), or a dim photo of
        # paper, or a sheet on a dark table. Try both readings. The light reading is first
        # tried on a copy at most POLARITY_MAX_SIDE px: its count is mostly enough.
        factor = min(1.0, config.POLARITY_MAX_SIDE / max(gray.shape))
        trial_gray = gray if factor >= 1.0 else resize_by(gray, factor, cv2.INTER_AREA)
        trial = _read_ink(trial_gray, True, False, scale_free, weak_share)
        light = None
        if len(trial.digits) == len(reading.digits) and reading.digits:
            light = trial if factor >= 1.0 else _read_ink(
                gray, True, refine, scale_free, weak_share)
            choose_light = reads_light_on_dark_tie(gray, light, reading)
        else:
            choose_light = reads_light_on_dark(trial, reading)
        if choose_light or not (trial.digits or reading.digits):
            light_on_dark = True
            if light is None:
                light = trial if factor >= 1.0 else _read_ink(
                    gray, True, refine, scale_free, weak_share)
            reading = light
    mask, labels = reading.mask, reading.labels
    digits_found = drop_off_sheet(frame, gray, scale, mask, reading.digits)
    found_page = page if isinstance(page, Page) else None
    if isinstance(page, str) and digits_found:  # "find"
        found_page = find_page(frame)
    if found_page is not None:
        centres = np.float64([(b.cx, b.cy) for b in digits_found])
        digits_found = [b for b, on in zip(digits_found, found_page.holds(centres / scale)) if on]
    if whole_frame_fallback:
        digits_found = merge_close_up(digits_found, reading.pieces, gray.shape)
    if not digits_found and whole_frame_fallback:
        whole = whole_frame_blob(reading.pieces, gray.shape)
        if whole is not None:
            digits_found = [whole]

    ordered = reading_order(digits_found)

    def crop(index: int) -> np.ndarray | None:
        return _crop_patch(frame, labels, ordered[index][0], scale, light_on_dark)

    def parts(blob: Blob) -> tuple[Digit, ...]:
        """A blob merged with fragments: the blobs it was made of, each with its patch."""
        found = [Digit(box=_frame_box(part, scale),
                       patch=_crop_patch(frame, labels, part, scale, light_on_dark))
                 for part in blob.split_from]
        return () if any(part.patch is None for part in found) else tuple(found)

    digits = tuple(Digit(box=_frame_box(blob, scale), line=line, number=number,
                         parts=parts(blob))
                   for blob, line, number in ordered)
    if scale != 1.0:
        full = np.asarray(frame).shape[:2]
        mask = cv2.resize(mask, (full[1], full[0]), interpolation=cv2.INTER_NEAREST)
    found = Detections(digits=digits, mask=mask, cropper=crop)
    if not patches:
        return found
    found = found.with_patches([True] * len(digits))
    return Detections(digits=tuple(renumber(list(found.digits))), mask=mask)


def read_digits(
    frame: np.ndarray,
    recognizer: Recognizer,
    *,
    whole_frame_fallback: bool = False,
    refine: bool = False,
    sheet: Sheet | None | str = "find",
    undo_blur: bool = True,
    weak_share: float | None = None,
    view: WholeView | None = None,
) -> Detections:
    """find_digits + ONE batched recognizer.predict_patches call; Detections with predictions.
    Then the readings after the first (`rereading.read_further`: fragments split, touching
    digits, sharpened, rows apart), each a batched call only where a candidate needs it.

    Photo mode (whole_frame_fallback) with a sheet found reads both the sheet's upright view
    and the whole frame, and keeps the sheet's unless the whole frame has more digits the
    model reads confidently (a close-up or a form's box taken for the sheet cuts digits
    off; a photo is read once, so the second reading's time is affordable there).
    A frame read whole (no sheet) whose first reading is a surface (`Detections.is_surface`:
    most of many candidates "not a digit", and not standing in rows as writing does:
    terrazzo or spots filling the view) has no digits.
    With undo_blur, a frame read with several doubtful candidates is read again deblurred
    (`deblur.read_deblurred`: a moving sheet's smear, a camera out of focus), the better
    reading kept (`weak_share`, `view`: see `find_digits`).
    """
    frame = check_image(frame)
    given, sheet = sheet, _look_for_sheet(frame, sheet)
    read = None
    if whole_frame_fallback and isinstance(given, str):
        if sheet is not None:
            on_sheet = read_digits(frame, recognizer, whole_frame_fallback=True, refine=refine,
                                   sheet=sheet, undo_blur=False, weak_share=weak_share)
            whole = read_digits(frame, recognizer, whole_frame_fallback=True, refine=refine,
                                sheet=None, undo_blur=False, weak_share=weak_share)
            confident = [sum(d.is_confident() for d in r.digits_only().digits)
                         for r in (on_sheet, whole)]
            read, sheet = (whole, None) if confident[1] > confident[0] else (on_sheet, sheet)
    if read is None:
        found = find_digits(frame, whole_frame_fallback=whole_frame_fallback, refine=refine,
                            sheet=sheet, weak_share=weak_share, view=view)
        if not found.digits:
            return found
        further = read_further(
            frame, found.with_predictions(
                recognizer.predict_patches([d.patch for d in found.digits])),
            recognizer, whole=sheet is None,
            # (a second reading has its own level: the rows are read apart once only)
            read_again=None if weak_share is not None else lambda share: read_digits(
                frame, recognizer, whole_frame_fallback=whole_frame_fallback, refine=refine,
                sheet=sheet, undo_blur=False, weak_share=share, view=view))
        if further.surface:
            return Detections(digits=(), mask=further.detections.mask)  # a view of a surface
        read = further.detections
    if not undo_blur:
        return read
    # read the deblurred frame the same way: photo mode with the sheet it chose (or none),
    # live with the argument given ("find" looks for the sheet again, in the sharper frame);
    # a reading of it is a whole reading, rows read apart included
    again = sheet if whole_frame_fallback else given
    return read_deblurred(frame, read, lambda sharp, share=None: read_digits(
        sharp, recognizer, whole_frame_fallback=whole_frame_fallback, refine=refine,
        sheet=again, undo_blur=False, weak_share=share))


def _read_ink(
    gray: np.ndarray, light_on_dark: bool, refine: bool = False, scale_free: bool = False,
    weak_share: float | None = None,
) -> InkReading:
    """Threshold, filter, merge and split for one reading of the ink's polarity.

    scale_free (a sheet's upright view): every blob of plausible absolute size is a
    candidate and the model's "not a digit" decides; otherwise (a whole frame, where the
    desk's texture and a page's print may show) blobs much lower or emptier than the typical
    digit are dropped first (MIN_RELATIVE_HEIGHT, MIN_RELATIVE_AREA).
    refine (photo mode) also fits the paper estimate to fine strokes and keeps digits that
    the frame's border cuts (see `find_digits`).
    weak_share: the ink's weak level as a share of its depth (`ink.threshold_ink`); None:
    WEAK_INK_DEPTH_SHARE on a sheet's view (scale_free), none on a whole frame."""
    cut_digits = refine
    frame_shape = gray.shape
    fraction = config.BACKGROUND_KERNEL_FRACTION
    if refine:
        # The paper estimate must be wider than a stroke, but the wider it is, the further
        # a sharp shadow's edge bleeds into the paper as false ink: with fine strokes, use
        # a kernel fitted to them (their width is measured on a reduced copy).
        small = gray if min(gray.shape) < config.REFINE_MEASURE_MIN_SIDE else cv2.resize(
            gray, None, fx=config.REFINE_MEASURE_SCALE, fy=config.REFINE_MEASURE_SCALE,
            interpolation=cv2.INTER_AREA)
        fitted = fitted_kernel_fraction(threshold_ink(small, light_on_dark))
        if fitted < config.BACKGROUND_KERNEL_FRACTION * config.REFINE_MAX_KERNEL:
            fraction = fitted
    strong = config.SHEET_STRONG_INK if scale_free else config.STRONG_INK
    share = weak_share if weak_share is not None else (
        config.WEAK_INK_DEPTH_SHARE if scale_free else 0.0)  # (see threshold_ink)
    mask = threshold_ink(gray, light_on_dark, fraction, strong, share)
    labels, pieces = components(mask)
    net = scale_free and _has_lines(pieces, labels, frame_shape)
    if net or (scale_free and len(pieces) >= config.NET_MIN_PIECES):
        # Squared or ruled paper: its lines make a net across the sheet (or run across it
        # one by one), or, where they are faint, a lattice of fragments. They are finer
        # than most pens' strokes, so a closing as wide as they are (an opening for light
        # ink) takes them out of the image before it is thresholded again; for a lattice,
        # only when that leaves few of its pieces (a page of many digits keeps them, and
        # pencil strokes, which the closing breaks up, do not vanish).
        kernel = np.ones((config.NET_LINE_WIDTH, config.NET_LINE_WIDTH), np.uint8)
        operation = cv2.MORPH_OPEN if light_on_dark else cv2.MORPH_CLOSE
        cleaned = threshold_ink(cv2.morphologyEx(gray, operation, kernel), light_on_dark,
                                fraction, strong, share)
        cleaned_labels, cleaned_pieces = components(cleaned)
        if net or len(cleaned_pieces) <= config.NET_MAX_KEPT * len(pieces):
            mask, labels, pieces = cleaned, cleaned_labels, cleaned_pieces
    min_side = min(frame_shape)
    min_height = max(config.MIN_DIGIT_PIXELS, config.MIN_DIGIT_FRACTION * min_side)
    kept, typical = candidates(pieces, labels, frame_shape, min_height)
    outlines = set(id(p) for p in containers(pieces, labels, min_height))
    lined = [p for p in pieces if id(p) not in outlines]
    if typical and erase_ruled_lines(mask, labels, lined, typical):
        labels, pieces = components(mask)
        kept, typical = candidates(pieces, labels, frame_shape, min_height)
    strokes = [p for p in pieces if is_vertical_stroke(p, frame_shape)]
    pieces = [p for p in pieces if not is_line_or_edge(p, frame_shape)] + strokes
    blobs = merge_pieces(kept, typical)
    typical = typical_height([b for b in blobs if b.h >= min_height]) or typical

    # Scale-free: every blob of plausible absolute size is a candidate, whatever the size of
    # the others (small digits beside big ones); the model's "not a digit" decides the rest.
    floor = min_height if scale_free else max(min_height, config.MIN_RELATIVE_HEIGHT * typical)
    sized = [b for b in blobs if b.h >= floor]
    if cut_digits and typical and len(sized) >= 2:
        sized += [
            cut for cut in cut_by_border(pieces, frame_shape, typical)
            if any(  # in line with the other digits: part of the same row
                min(cut.y1, b.y1) - max(cut.y0, b.y0) >= config.LINE_OVERLAP * min(cut.h, b.h)
                for b in sized
            )
        ]
    median_area = float(np.median([b.area for b in sized])) if sized and not scale_free else 0.0
    digits_found: list[Blob] = []
    for blob in sized:
        if blob.area < max(config.MIN_DIGIT_INK * blob.h, config.MIN_RELATIVE_AREA * median_area):
            continue  # a hairline of digit height, or (whole frame) a speck
        fill = blob.area / float(max(1, blob.w * blob.h))
        solid = fill > config.MAX_FILL and blob.w >= config.SOLID_MIN_ASPECT * blob.h
        if solid or blob.w > config.MAX_DIGIT_FRACTION * frame_shape[1]:
            continue  # a shadow or a thumb (a 1 a stroke wide fills its narrow box too)
        if blob.h > config.MAX_DIGIT_FRACTION * frame_shape[0]:
            continue
        # Touching digits stay one candidate here: `read_digits` re-reads it by recognition.
        digits_found.append(blob)
    return InkReading(mask, labels, digits_found, pieces)


def _has_lines(pieces: list[Blob], labels: np.ndarray, frame_shape) -> bool:
    """Whether the view shows squared or ruled paper's lines: a piece through the view's
    middle (the central NET_SPAN of it both ways) that spans NET_SPAN of the view both ways
    with little ink in its box (the lines joined by a margin line), or one way as thin as a
    line (NET_LINE_WIDTH). Through the middle: the desk's sliver along a sheet's edges
    spans the view too, and it is no lines (it used to erase a page's pencil strokes)."""
    height, width = frame_shape
    spanning = []
    for piece in pieces:
        wide, tall = piece.w >= config.NET_SPAN * width, piece.h >= config.NET_SPAN * height
        if wide and tall:
            lined = piece.area <= config.NET_MAX_FILL * piece.w * piece.h
        else:
            lined = (wide or tall) and piece.area <= config.NET_LINE_WIDTH * max(piece.w, piece.h)
        if lined:
            spanning.extend(piece.labels)
    if not spanning:
        return False
    margin = (1.0 - config.NET_SPAN) / 2
    middle = labels[int(margin * height):int((1 - margin) * height) + 1,
                    int(margin * width):int((1 - margin) * width) + 1]
    return bool(np.isin(middle, spanning).any())


def _frame_box(blob: Blob, scale: float) -> tuple[int, int, int, int]:
    """The blob's box in the pixels of the frame it was found in (blobs are at working scale)."""
    return (
        int(blob.x0 / scale),
        int(blob.y0 / scale),
        max(1, int(round(blob.w / scale))),
        max(1, int(round(blob.h / scale))),
    )


def _crop_patch(
    frame: np.ndarray, labels: np.ndarray, blob: Blob, scale: float, light_on_dark: bool
) -> np.ndarray | None:
    """The blob's 28x28 model input (None if there is nothing to read).

    The crop is handed to `to_mnist` as dark ink on paper scaled to white (the paper level
    is the crop's bright part outside the digit's mask): `to_mnist` guesses polarity from
    the crop's border, which a dim photo of paper (grey paper below 50%) would fool.
    """
    height, width = frame.shape[:2]
    pad = max(1, int(round(config.CROP_PAD * max(blob.w, blob.h))))
    x0, y0 = max(0, blob.x0 - pad), max(0, blob.y0 - pad)
    x1, y1 = min(labels.shape[1], blob.x1 + pad), min(labels.shape[0], blob.y1 + pad)
    window = labels[y0:y1, x0:x1]
    if len(blob.labels) == 1:
        region = window == blob.labels[0]
    else:
        region = np.isin(window, blob.labels)
    # Keep only the blob's own columns (a split part must not see its neighbour's ink).
    region[:, : max(0, blob.x0 - x0)] = False
    region[:, blob.x1 - x0 :] = False
    mask = region.astype(np.uint8) * 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    if blob.alone:
        mask[blob.y0 - y0 : blob.y1 - y0, blob.x0 - x0 : blob.x1 - x0] = 255
    fx0, fy0 = int(x0 / scale), int(y0 / scale)
    fx1, fy1 = min(width, int(np.ceil(x1 / scale))), min(height, int(np.ceil(y1 / scale)))
    crop = frame[fy0:fy1, fx0:fx1]
    if crop.size == 0:
        return None
    if scale != 1.0:
        mask = cv2.resize(mask, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_NEAREST)
    filled = fill_solid_holes(crop, mask, light_on_dark)
    flat = paper_to_white(crop, filled, light_on_dark, solid=filled > mask)
    return to_mnist(flat, filled)
