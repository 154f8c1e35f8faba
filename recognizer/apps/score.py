"""`recognizer score PREDICTIONS.csv LABELS.csv`: how well a photo run read its digits.

A file's reading is its predicted digits concatenated in the CSV's (reading) order; its
label is the true digits in the same order. Per file: exact match, and digit accuracy =
1 - edit distance / label length (at least 0), so a missed, extra or wrong digit each cost
one. Totals weight files by their number of digits.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath


class ScoreInputError(ValueError):
    """A predictions or labels file that cannot be scored; the message says what is wrong."""


@dataclass(frozen=True)
class FileScore:
    file: str
    label: str
    predicted: str
    edits: int  # edit distance, capped at the label's length

    @property
    def exact(self) -> bool:
        return self.predicted == self.label

    @property
    def digit_accuracy(self) -> float:
        return 1.0 - self.edits / len(self.label) if self.label else float(self.exact)


@dataclass(frozen=True)
class GroupScore:
    """Totals over a set of files (a folder, or all)."""

    name: str
    files: int
    digits: int
    digit_accuracy: float
    exact_match: float


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions each cost one."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise ScoreInputError(
                    f"{path}: missing column(s) {', '.join(missing)}; expected a header with "
                    f"{','.join(required)}"
                )
            return list(reader)
    except FileNotFoundError as exc:
        raise ScoreInputError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScoreInputError(f"{path}: cannot read it as CSV ({exc})") from exc


def read_predictions(path: Path) -> dict[str, str]:
    """file -> its predicted digits, concatenated in the CSV's row order."""
    readings: dict[str, str] = {}
    for number, row in enumerate(_read_csv(path, ("file", "digit")), start=2):
        digit = (row["digit"] or "").strip()
        if not (len(digit) == 1 and digit.isdigit()):
            raise ScoreInputError(f"{path}:{number}: digit {digit!r} is not 0-9")
        readings[row["file"]] = readings.get(row["file"], "") + digit
    return readings


def read_labels(path: Path) -> dict[str, str]:
    """file -> its label (the digits in reading order)."""
    labels: dict[str, str] = {}
    for number, row in enumerate(_read_csv(path, ("file", "label")), start=2):
        label = "".join((row["label"] or "").split())
        if not label.isdigit():
            raise ScoreInputError(f"{path}:{number}: label {row['label']!r} is not digits")
        labels[row["file"]] = label
    if not labels:
        raise ScoreInputError(f"{path}: no labels")
    return labels


def score_files(predictions: dict[str, str], labels: dict[str, str]) -> list[FileScore]:
    """A score for every labelled file; a labelled file with no predictions read nothing."""
    scores = []
    for file, label in labels.items():
        predicted = predictions.get(file, "")
        scores.append(FileScore(file, label, predicted, min(len(label), edit_distance(predicted, label))))
    return scores


def summarise(name: str, scores: list[FileScore]) -> GroupScore:
    digits = sum(len(s.label) for s in scores)
    edits = sum(s.edits for s in scores)
    return GroupScore(
        name=name,
        files=len(scores),
        digits=digits,
        digit_accuracy=1.0 - edits / digits if digits else 0.0,
        exact_match=sum(s.exact for s in scores) / len(scores) if scores else 0.0,
    )


def by_folder(scores: list[FileScore]) -> list[GroupScore]:
    """One row per folder (the file's parent, '.' at the top), then 'all'."""
    folders: dict[str, list[FileScore]] = {}
    for score in scores:
        folders.setdefault(str(PurePosixPath(score.file).parent), []).append(score)
    rows = [summarise(name, folders[name]) for name in sorted(folders)]
    return rows + [summarise("all", scores)]


def worst_files(scores: list[FileScore], count: int) -> list[FileScore]:
    """The files read worst (lowest digit accuracy, then most edits), misreads only."""
    wrong = [s for s in scores if not s.exact]
    return sorted(wrong, key=lambda s: (s.digit_accuracy, -s.edits, s.file))[:count]


def format_report(groups: list[GroupScore], worst: list[FileScore], unlabelled: int) -> str:
    lines = [f"{'folder':<24} {'files':>5} {'digits':>6} {'digit acc':>9} {'exact':>7}"]
    for group in groups:
        if group.name == "all":
            lines.append("-" * len(lines[0]))
        lines.append(
            f"{group.name:<24} {group.files:>5} {group.digits:>6} "
            f"{group.digit_accuracy * 100:>8.1f}% {group.exact_match * 100:>6.1f}%"
        )
    if worst:
        lines += ["", "worst files (label -> read):"]
        for score in worst:
            lines.append(
                f"  {score.file}: {score.label[:40]} -> {score.predicted[:40] or '(nothing)'} "
                f"({score.digit_accuracy * 100:.0f}%)"
            )
    if unlabelled:
        lines += ["", f"({unlabelled} predicted file(s) have no label and were not scored)"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        predictions = read_predictions(Path(args.predictions))
        labels = read_labels(Path(args.labels))
    except ScoreInputError as exc:
        print(f"recognizer score: error: {exc}", file=sys.stderr)
        return 2
    scores = score_files(predictions, labels)
    groups = by_folder(scores)
    worst = worst_files(scores, args.worst)
    unlabelled = len(set(predictions) - set(labels))
    if args.json:
        document = {
            "folders": [asdict(g) for g in groups],
            "files": [{**asdict(s), "exact": s.exact, "digit_accuracy": s.digit_accuracy}
                      for s in scores],
            "unlabelled_predictions": unlabelled,
        }
        print(json.dumps(document, indent=1))
    else:
        print(format_report(groups, worst, unlabelled))
    return 0
