import json

import pytest

from unscathed.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")


def test_distill_then_generate_from_the_distilled_directory(tiny_generator_dir, tiny_classifier, tmp_path, capsys):
    classifier_dir = tmp_path / "classifier"
    tiny_classifier.save(classifier_dir)
    prompts = tmp_path / "windows.jsonl"
    prompts.write_text("".join(json.dumps({"prompt_id": f"w{i}", "prompt": f"the knight ran {i}."}) + "\n" for i in range(4)))
    out = tmp_path / "distilled"
    argv = ["distill", "--out", str(out), "--generator", str(tiny_generator_dir), "--model", str(classifier_dir), "--prompts", str(prompts), "--no-progress"]
    assert main([*argv, "--steps", "2", "--group-size", "2", "--prompts-per-step", "2", "--max-new-tokens", "6", "--method", "sft"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "sft" and summary["steps"] == 2 and summary["classifier"]["version"] == tiny_classifier.version
    assert main([*argv, "--steps", "3", "--resume"]) == 0  # the other settings come from the run
    assert json.loads(capsys.readouterr().out)["steps"] == 3
    assert main([*argv, "--resume", "--method", "rl"]) == 2
    assert "these differ: method (was 'sft', now 'rl')" in capsys.readouterr().err
    code = main(["generate", "--generator", str(out), "--model", str(classifier_dir), "--prompt", "the knight ran.", "--no-record", "--json", "--max-new-tokens", "6", "--max-attempts", "4"])
    assert code == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["prompt"] == "the knight ran."
