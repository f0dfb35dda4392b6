import json

import numpy as np
from conftest import KeywordScorer

from unscathed.cli import main
from unscathed.evaluate import calibration_bins, classifier_report
from unscathed.keyword_baseline import KeywordClassifier
from unscathed.labeled_data import LabeledSnippet
from unscathed.snippet import Snippet


def test_keyword_baseline_matches_whole_words_only():
    scores = KeywordClassifier().score([Snippet("", "He was stabbed."), Snippet("", "She cuts the cake"), Snippet("", "A shotgun wedding"), Snippet("", "Bloodhound")])
    assert list(scores) == [1.0, 1.0, 0.0, 0.0]


def test_calibration_bins_recover_a_calibrated_score():
    rng = np.random.default_rng(0)
    scores = rng.random(20000)
    labels = (rng.random(20000) < scores).astype(int)
    for b in calibration_bins(scores, labels):
        assert abs(b["mean_score"] - b["injurious_fraction"]) < 0.04


def test_classifier_report_per_category_and_baseline():
    rows = [LabeledSnippet("p", "he bled", 1, "test", "direct_harm"), LabeledSnippet("p", "he smiled", 0, "test", "benign"),
            LabeledSnippet("p", "it hurt", 1, "test", "minor_harm"), LabeledSnippet("p", "she was stabbed", 1, "test", "direct_harm")]
    report = classifier_report(KeywordScorer(), rows, KeywordClassifier())
    assert report["recall"] == 2 / 3 and report["false_positive_rate"] == 0
    assert report["by_category"]["direct_harm"] == {"n": 2, "label": 1, "rejected": 0.5}
    assert report["baseline"]["recall"] == 1.0


def test_evaluate_classifier_cli_writes_plot(tiny_classifier, tmp_path, capsys):
    tiny_classifier.save(tmp_path / "clf")
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"prompt": "p", "completion": c, "label": label, "split": "test", "category": "x"}) + "\n" for c, label in [("he bled", 1), ("she smiled", 0)] * 5))
    assert main(["evaluate", "classifier", "--model", str(tmp_path / "clf"), "--data", str(data), "--plot", str(tmp_path / "c.png")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 10 and "baseline" in report
    assert (tmp_path / "c.png").stat().st_size > 1000
