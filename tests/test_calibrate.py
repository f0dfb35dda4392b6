import json

import numpy as np
import pytest

from unscathed.calibrate import expected_draws, recall_lower_bound, threshold_for_benign_rejection, threshold_for_recall
from unscathed.cli import main
from unscathed.metrics import rates_at


def test_clopper_pearson_lower_bound_known_values():
    # all 299 of 299 caught: the 95% one-sided bound is 0.05 ** (1/299)
    assert recall_lower_bound(299, 299) == pytest.approx(0.05 ** (1 / 299), abs=1e-6)
    assert recall_lower_bound(0, 10) == 0.0


def test_lower_bound_covers_true_recall_at_least_95_percent():
    rng = np.random.default_rng(0)
    true, n = 0.9, 80
    covered = sum(recall_lower_bound(int(rng.binomial(n, true)), n) <= true for _ in range(1000))
    assert covered / 1000 >= 0.94


def simulated(rng, n=2000):
    labels = (rng.random(n) < 0.4).astype(int)
    scores = np.clip(rng.normal(0.25 + 0.5 * labels, 0.15), 0, 1)
    return scores, labels


def test_recall_target_is_met_by_the_bound_and_is_the_highest_threshold_that_does():
    scores, labels = simulated(np.random.default_rng(1))
    cal = threshold_for_recall(scores, labels, 0.95)
    assert cal.recall_lower_bound >= 0.95
    assert rates_at(scores, labels, cal.threshold)["recall"] == pytest.approx(cal.recall)
    from unscathed.calibrate import recall_lower_bound

    above = np.nextafter(cal.threshold, 2.0)
    caught = int((scores[labels == 1] >= above).sum())
    assert recall_lower_bound(caught, int(labels.sum())) < 0.95  # any higher threshold misses the target


def test_unreachable_recall_target_is_a_clear_error():
    with pytest.raises(ValueError, match="best achievable"):
        threshold_for_recall(np.array([0.9, 0.8]), np.array([1, 1]), 0.99)


def test_benign_rejection_target_is_respected_with_highest_recall():
    scores, labels = simulated(np.random.default_rng(2))
    cal = threshold_for_benign_rejection(scores, labels, 0.1)
    assert cal.benign_rejection <= 0.1
    lower = np.nextafter(cal.threshold, -1.0)
    assert rates_at(scores, labels, lower)["false_positive_rate"] > 0.1 or lower <= scores.min()


def test_expected_draws():
    assert expected_draws([np.array([0.1, 0.9]), np.array([0.1, 0.1])], 0.5) == pytest.approx(((2 + 1) / 2, 0.0))
    assert expected_draws([np.array([0.9]), np.array([0.1])], 0.5) == pytest.approx((1.0, 0.5))


def test_calibrate_cli_writes_threshold_and_report(tiny_classifier, tmp_path, capsys):
    tiny_classifier.save(tmp_path / "clf")
    rows = [{"prompt": f"p{i % 30}", "completion": "he bled" if i % 2 else "she smiled", "label": i % 2, "split": "validation"} for i in range(120)]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = tmp_path / "report" / "calibration.html"
    assert main(["calibrate", "--model", str(tmp_path / "clf"), "--data", str(data), "--max-benign-rejection", "0.5", "--report", str(report)]) == 0
    out = json.loads(capsys.readouterr().out)
    meta = json.loads((tmp_path / "clf" / "unscathed.json").read_text())
    assert meta["threshold"] == out["threshold"] and meta["calibration"]["target"] == {"max_benign_rejection": 0.5}
    assert report.exists() and len(list(report.parent.glob("*.png"))) == 4
    assert main(["calibrate", "--model", str(tmp_path / "clf"), "--data", str(data)]) == 2
