import json

import pytest
from conftest import toy_rows

from unscathed.cli import main
from unscathed.experiment import flip_labels


def test_flip_labels_flips_exactly_the_share_asked_for():
    rows = toy_rows(100)
    noisy = flip_labels(rows, 0.2, seed=3)
    changed = [a for a, b in zip(rows, noisy) if a.label != b.label]
    assert len(changed) == 20
    assert [r.completion for r in noisy] == [r.completion for r in rows]
    assert flip_labels(rows, 0.0, 3) == rows
    with pytest.raises(ValueError, match="flip rate"):
        flip_labels(rows, 0.7, 3)


def test_label_noise_experiment_reports_a_curve(tiny_encoder_dir, tmp_path, capsys):
    rows = toy_rows(120)
    data = tmp_path / "d.jsonl"
    splits = ["train"] * 80 + ["validation"] * 20 + ["test"] * 20
    data.write_text("".join(json.dumps({"prompt": r.prompt, "completion": r.completion, "label": r.label, "split": s}) + "\n" for r, s in zip(rows, splits)))
    out, plot = tmp_path / "noise.json", tmp_path / "noise.png"
    args = ["experiment", "label-noise", "--data", str(data), "--rates", "0,0.45", "--out", str(out), "--plot", str(plot), "--base-model", str(tiny_encoder_dir), "--epochs", "6", "--batch-size", "8", "--learning-rate", "0.005", "--target-recall", "0.9"]
    assert main(args) == 0
    results = json.loads(out.read_text())
    assert [r["flip_rate"] for r in results] == [0, 0.45]
    clean, noisy = results
    # The toy task is learnable from clean labels; with 45% of labels flipped it nearly is not.
    assert clean["test_auc"] > 0.95 and noisy["test_auc"] < clean["test_auc"]
    assert plot.stat().st_size > 1000
    assert "flip_rate" in capsys.readouterr().out
