"""The scorer on hand-made predictions and labels."""

from __future__ import annotations

import json

import pytest

from recognizer.apps.cli import main
from recognizer.apps.score import (
    FileScore, by_folder, edit_distance, read_labels, read_predictions, score_files, worst_files,
)


def write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "a, b, distance",
    [("", "", 0), ("123", "123", 0), ("123", "", 3), ("", "12", 2), ("1234", "1243", 2),
     ("12345", "1345", 1), ("9", "99", 1), ("kitten", "sitting", 3)],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance


def test_digit_accuracy_is_one_minus_edits_over_label_length():
    assert FileScore("a.png", "1234", "1234", 0).digit_accuracy == 1.0
    assert FileScore("a.png", "1234", "124", 1).digit_accuracy == 0.75
    assert FileScore("a.png", "1234", "124", 1).exact is False


@pytest.fixture
def csvs(tmp_path):
    predictions = write(tmp_path / "predictions.csv", (
        "file,digit,confidence,x,y,w,h,line\n"
        "sheets/a.jpg,1,0.99,0,0,5,5,0\n"
        "sheets/a.jpg,2,0.99,6,0,5,5,0\n"
        "sheets/a.jpg,3,0.99,0,9,5,5,1\n"
        "sheets/b.jpg,7,0.99,0,0,5,5,0\n"
        "sheets/b.jpg,7,0.99,0,0,5,5,0\n"
        "single.png,4,0.60,0,0,5,5,0\n"
        "extra.png,5,0.9,0,0,5,5,0\n"
    ))
    labels = write(tmp_path / "labels.csv", (
        "file,label,kind\n"
        "sheets/a.jpg,123,sheet\n"
        "sheets/b.jpg,71,sheet\n"
        "single.png,4,single\n"
        "missing.png,05,single\n"
    ))
    return predictions, labels


def test_scores_per_file_and_folder(csvs):
    predictions, labels = csvs
    readings = read_predictions(predictions)
    assert readings["sheets/a.jpg"] == "123"
    assert read_labels(labels)["missing.png"] == "05"  # leading zero kept
    scores = {s.file: s for s in score_files(readings, read_labels(labels))}
    assert scores["sheets/a.jpg"].exact
    assert scores["sheets/b.jpg"].digit_accuracy == 0.5
    assert scores["missing.png"].predicted == "" and scores["missing.png"].digit_accuracy == 0.0
    groups = {g.name: g for g in by_folder(list(scores.values()))}
    assert groups["sheets"].files == 2 and groups["sheets"].digits == 5
    assert groups["sheets"].digit_accuracy == pytest.approx(4 / 5)
    assert groups["sheets"].exact_match == 0.5
    assert groups["all"].digits == 8
    assert groups["all"].digit_accuracy == pytest.approx(1 - 3 / 8)
    assert groups["all"].exact_match == 0.5
    worst = worst_files(list(scores.values()), 5)
    assert [s.file for s in worst] == ["missing.png", "sheets/b.jpg"]


def test_score_command_prints_table_and_json(csvs, capsys):
    predictions, labels = csvs
    assert main(["score", str(predictions), str(labels)]) == 0
    out = capsys.readouterr().out
    assert "sheets" in out and "80.0%" in out and "missing.png: 05 -> (nothing)" in out
    assert "1 predicted file(s) have no label" in out
    assert main(["score", str(predictions), str(labels), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["folders"][-1]["name"] == "all"
    assert document["folders"][-1]["digits"] == 8


def test_score_command_bad_inputs(tmp_path, csvs, capsys):
    predictions, labels = csvs
    assert main(["score", str(tmp_path / "nope.csv"), str(labels)]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = write(tmp_path / "bad.csv", "name,value\na,1\n")
    assert main(["score", str(predictions), str(bad)]) == 2
    assert "missing column(s) file, label" in capsys.readouterr().err
    bad_digit = write(tmp_path / "bad_digit.csv", "file,digit\na.png,x\n")
    assert main(["score", str(bad_digit), str(labels)]) == 2
    assert "not 0-9" in capsys.readouterr().err
