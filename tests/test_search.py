import json
import subprocess
import sys
import time
import urllib.request

import optuna
from conftest import free_port, toy_rows

from unscathed.cli import main
from unscathed.config import TrainConfig


def _write(rows, path):
    path.write_text("".join(json.dumps({"prompt": r.prompt, "completion": r.completion, "label": r.label}) + "\n" for r in rows))


def test_search_stores_the_study_and_writes_a_usable_best_config(tiny_encoder_dir, tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    _write(toy_rows(64), data)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    best = tmp_path / "best.json"
    args = ["search", "--data", str(data), "--trials", "2", "--storage", storage, "--study", "s1", "--best-config", str(best), "--base-model", str(tiny_encoder_dir), "--target-recall", "0.8", "--validation-fraction", "0.3"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.split("\nview the study")[0])
    study = optuna.load_study(study_name="s1", storage=storage)
    assert len(study.trials) == 2 and summary["trials"] == 2
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    config = TrainConfig.from_dict(json.loads(best.read_text()))
    assert config.base_model == str(tiny_encoder_dir) and config.target_recall == 0.8
    chosen = study.trials[summary["best_trial"]]
    assert chosen.values[0] == min(t.values[0] for t in study.best_trials)
    # A second call continues the same study.
    assert main([*args[:4], "1", *args[5:]]) == 0
    assert len(optuna.load_study(study_name="s1", storage=storage).trials) == 3
    # The trained config is accepted by `unscathed train --config`.
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--config", str(best)]) == 0

    # And the study is viewable in optuna-dashboard, a real server on loopback.
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", "from optuna_dashboard._cli import main; main()", storage, "--port", str(port), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=2).read())
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(server.stderr.read1().decode() if server.poll() is not None else "dashboard did not answer")
        assert [s["study_name"] for s in body["study_summaries"]] == ["s1"]
    finally:
        server.terminate()
        server.wait(10)
