"""Tracking digits across frames and voting over their readings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from recognizer.core.predict import Prediction
from recognizer.detection.tracking import TrackerState, box_iou, count_flips, digits_to_read, update_tracks


@dataclass(frozen=True)
class Seen:
    box: tuple[int, int, int, int]
    prediction: Prediction | None


def reading(probabilities: dict[int, float]) -> Prediction:
    probs = np.full(10, 0.0)
    for digit, p in probabilities.items():
        probs[digit] = p
    rest = 1.0 - probs.sum()
    probs[probs == 0] = rest / max(1, int((probs == 0).sum()))
    return Prediction.from_probabilities(probs)


def run(sequence):
    """Feed frames (lists of Seen) through the tracker; per frame the TrackedReadings."""
    state, out = TrackerState(), []
    for frame in sequence:
        state, tracked = update_tracks(state, frame)
        out.append(tracked)
    return state, out


def test_box_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0.0
    assert box_iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_a_digit_keeps_its_track_while_it_moves_a_little():
    four = reading({4: 0.9})
    frames = [[Seen((100 + 3 * i, 50 + i, 30, 40), four), Seen((300, 50, 30, 40), four)] for i in range(10)]
    state, out = run(frames)
    assert {t[0].track_id for t in out} == {1}
    assert {t[1].track_id for t in out} == {2}
    assert len(state.tracks) == 2


def test_a_far_jump_starts_a_new_track_and_old_tracks_expire():
    one = reading({1: 0.9})
    frames = [[Seen((10, 10, 20, 30), one)]] * 3 + [[Seen((400, 300, 20, 30), one)]] * 7
    state, out = run(frames)
    assert out[2][0].track_id == 1 and out[3][0].track_id == 2
    # Track 1 was missed for 7 frames > TRACK_MAX_MISSED (5): gone.
    assert [t.track_id for t in state.tracks] == [2]


def test_voting_stops_a_wobbling_label_from_flickering():
    # The true digit is 4; every third frame the raw reading says 9 (as blur makes it do).
    rng = np.random.default_rng(0)
    frames = []
    for i in range(60):
        if i % 3 == 2:
            p = reading({9: 0.55, 4: 0.40})
        else:
            p = reading({4: float(rng.uniform(0.5, 0.8)), 9: 0.15})
        frames.append([Seen((200 + int(rng.integers(-3, 4)), 100, 40, 50), p)])
    _, out = run(frames)
    raw = [t[0].raw.digit for t in out]
    voted = [t[0].prediction.digit for t in out]
    assert count_flips(raw) >= 30
    assert count_flips(voted) == 0
    assert voted[-1] == 4


def test_a_real_change_still_comes_through_within_the_vote_window():
    frames = [[Seen((50, 50, 30, 40), reading({1: 0.95}))]] * 10
    frames += [[Seen((50, 50, 30, 40), reading({7: 0.95}))]] * 10
    _, out = run(frames)
    voted = [t[0].prediction.digit for t in out]
    assert voted[:10] == [1] * 10
    assert voted[-1] == 7
    assert voted.index(7) <= 10 + 7
    assert count_flips(voted) == 1


def test_hysteresis_keeps_the_shown_digit_on_a_near_tie():
    frames = [[Seen((0, 0, 20, 20), reading({3: 0.50, 5: 0.45}))]] * 4
    frames += [[Seen((0, 0, 20, 20), reading({5: 0.50, 3: 0.45}))]] * 4
    _, out = run(frames)
    assert [t[0].prediction.digit for t in out] == [3] * 8


def test_unread_digits_do_not_vote():
    frames = [[Seen((0, 0, 20, 20), None)], [Seen((0, 0, 20, 20), reading({2: 0.9}))]]
    _, out = run(frames)
    assert out[0][0].prediction is None
    assert out[1][0].prediction.digit == 2
    assert out[1][0].prediction.confidence == pytest.approx(0.9)


def test_results_are_frozen():
    state, out = run([[Seen((0, 0, 20, 20), reading({2: 0.9}))]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.next_id = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        out[0][0].track_id = 9
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.tracks[0].box = (1, 1, 1, 1)


def test_count_flips():
    assert count_flips([1, 1, 2, 2, 1, None, 1]) == 2
    assert count_flips([]) == 0


def test_new_tracks_are_confirmed_after_three_frames_except_on_the_first_frame():
    seven = reading({7: 0.9})
    frames = [[Seen((0, 0, 20, 20), seven)]] + [[Seen((0, 0, 20, 20), seven), Seen((100, 0, 20, 20), seven)]] * 3
    _, out = run(frames)
    assert [t[0].confirmed for t in out] == [True] * 4  # present from the start
    assert [t[1].confirmed for t in out[1:]] == [False, False, True]


def test_settled_digits_are_read_every_third_frame_and_doubt_brings_back_every_frame():
    box = (10, 10, 20, 30)
    state, pattern = TrackerState(), []
    # The page shows a 4; the reading of frame 18 (a read frame) says 9 instead.
    sequence = [reading({4: 0.97})] * 18 + [reading({9: 0.6})] + [reading({4: 0.97})] * 4
    for p in sequence:
        (read,) = digits_to_read(state, [box], reread_every=3)
        pattern.append(read)
        state, _ = update_tracks(state, [Seen(box, p if read else None)])
    # Read every frame until the vote window (7) is full, then every third frame ...
    assert pattern[:7] == [True] * 7
    assert pattern[7:19] == [False, False, True] * 4
    # ... until a reading disagrees: the next frame is read at once; as it agrees again
    # (a confident 4), the track settles and the every-third-frame rhythm resumes.
    assert pattern[19:] == [True, False, False, True]
    assert digits_to_read(TrackerState(), [box]) == [True]
    assert digits_to_read(state, [(300, 300, 20, 30)], reread_every=3) == [True]  # new digit
    assert digits_to_read(state, [box], reread_every=1) == [True]


def test_a_settled_digit_whose_box_changed_size_is_read():
    """A settled track's candidate is trusted unread only while its box keeps its size: the
    demo's frame 94 merged a 2 with the 6 beside it into one box matching the 2's track
    (IoU 0.46 here), and showed "624" for "6264" until the box was read."""
    box = (294, 337, 48, 48)
    state = TrackerState()
    for _ in range(7):
        state, _ = update_tracks(state, [Seen(box, reading({2: 0.99}))])
    state, _ = update_tracks(state, [Seen(box, None)])
    assert state.tracks[0].is_settled()
    assert digits_to_read(state, [(296, 335, 52, 50)], reread_every=3) == [False]  # moved
    assert digits_to_read(state, [(295, 333, 93, 51)], reread_every=3) == [True]  # merged
    assert digits_to_read(state, [(300, 337, 20, 48)], reread_every=3) == [True]  # cut


def test_a_disagreeing_reading_unsettles_the_track():
    box = (10, 10, 20, 30)
    state = TrackerState()
    for _ in range(7):
        state, _ = update_tracks(state, [Seen(box, reading({4: 0.97}))])
    assert state.tracks[0].is_settled()
    state, _ = update_tracks(state, [Seen(box, reading({9: 0.6}))])
    assert not state.tracks[0].is_settled()
    assert digits_to_read(state, [box], reread_every=3) == [True]


def test_iou_matrix_is_box_iou_for_every_pair():
    from recognizer.detection.tracking import iou_matrix

    rng = np.random.default_rng(0)
    a = [tuple(int(v) for v in rng.integers([0, 0, 1, 1], [60, 60, 30, 30])) for _ in range(15)]
    b = a[:3] + [tuple(int(v) for v in rng.integers([0, 0, 1, 1], [60, 60, 30, 30])) for _ in range(9)]
    matrix = iou_matrix(a, b)
    assert matrix.shape == (15, 12) and np.diag(matrix[:3, :3]).tolist() == [1.0, 1.0, 1.0]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            assert matrix[i, j] == pytest.approx(box_iou(x, y), abs=1e-12)
    assert iou_matrix([], b).shape == (0, 12)


def test_two_digits_on_one_track_the_better_overlap_wins():
    """Greedy matching, best overlap first: of two detections over one track, the one that
    overlaps it more continues it and the other starts a track of its own."""
    state, _ = update_tracks(TrackerState(), [Seen((100, 100, 20, 30), None)])
    state, readings = update_tracks(state, [Seen((104, 100, 20, 30), None), Seen((101, 100, 20, 30), None)])
    assert readings[1].track_id == 1 and readings[0].track_id == 2
