"""The same `unscathed train`, launched as two processes by Hugging Face Accelerate on CPU (gloo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import toy_rows

from unscathed.models.classifier import HFClassifier
from unscathed.snippet import Snippet

pytestmark = pytest.mark.slow  # a real server under load / a distributed launch: minutes, not seconds


def _train(launcher: list[str], data: Path, out: Path, encoder: Path) -> None:
    args = ["train", "--data", str(data), "--out", str(out), "--base-model", str(encoder), "--epochs", "3", "--batch-size", "8", "--learning-rate", "0.003", "--dropout", "0", "--target-recall", "0.9"]
    env = {**os.environ, "UNSCATHED_DEVICE": "cpu", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([*launcher, "-m", "unscathed.cli", *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_process_accelerate_run_matches_one_process(tiny_encoder_dir, tmp_path):
    rows = toy_rows(96)
    data = tmp_path / "data.jsonl"
    # 64 training rows: every global batch of 8 splits 4 + 4, so averaged gradients equal the one-process ones.
    data.write_text("".join(json.dumps({"prompt": r.prompt, "completion": r.completion, "label": r.label, "split": "train" if i < 64 else "validation"}) + "\n" for i, r in enumerate(rows)))
    _train([sys.executable], data, tmp_path / "one", tiny_encoder_dir)
    accelerate = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    _train(accelerate, data, tmp_path / "two", tiny_encoder_dir)
    one, two = HFClassifier.load(tmp_path / "one"), HFClassifier.load(tmp_path / "two")
    snippets = [Snippet(r.prompt, r.completion) for r in rows]
    s1, s2 = one.score(snippets), two.score(snippets)
    assert np.abs(s1 - s2).max() < 1e-3
    assert np.abs(s1 - HFClassifier.load(tmp_path / "one").score(snippets)).max() == 0  # scoring itself is deterministic
    m1, m2 = (json.loads((tmp_path / d / "unscathed.json").read_text())["validation_metrics"] for d in ("one", "two"))
    assert (m1["processes"], m2["processes"]) == (1, 2)
    assert np.allclose(m1["epoch_losses"], m2["epoch_losses"], rtol=1e-3)
    assert np.allclose(m1["grad_norm_max"], m2["grad_norm_max"], rtol=1e-3)
