"""The CLI's error paths and file handling, on tiny models."""

import json

import pytest

from unscathed.cli import main


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.fixture
def classifier_dir(tiny_classifier, tmp_path):
    tiny_classifier.metadata.threshold = 0.5
    tiny_classifier.save(tmp_path / "clf")
    return tmp_path / "clf"


def test_score_keeps_fields_and_adds_score_and_decision(classifier_dir, tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "the knight", "completion": "he bled", "id": 7}, {"prompt": "", "completion": "she smiled"}])
    assert main(["score", "--input", str(src), "--output", str(tmp_path / "out.jsonl"), "--model", str(classifier_dir)]) == 0
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert rows[0]["id"] == 7 and 0 <= rows[0]["p_injury"] <= 1
    assert all(r["accepted"] == (r["p_injury"] < 0.5) for r in rows)


def test_score_bad_line_names_file_and_line_and_writes_nothing(classifier_dir, tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "a", "completion": "b"}, {"prompt": "a"}])
    out = tmp_path / "out.jsonl"
    assert main(["score", "--input", str(src), "--output", str(out), "--model", str(classifier_dir)]) == 2
    assert "in.jsonl:2: missing field(s) completion" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.glob(".score-*")) == []


def test_score_missing_model_dir_is_a_clear_error(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", [{"prompt": "a", "completion": "b"}])
    assert main(["score", "--input", str(src), "--output", str(tmp_path / "o.jsonl"), "--model", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_generate_refuses_empty_prompt_before_loading_models(tmp_path, capsys):
    assert main(["generate", "--prompt", "   ", "--model", str(tmp_path / "never-loaded")]) == 2
    assert "prompt is empty" in capsys.readouterr().err


def test_generate_empty_prompt_in_file_names_the_line(tmp_path, capsys):
    prompts = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "a story"}, {"prompt": ""}])
    assert main(["generate", "--prompts", str(prompts)]) == 2
    assert "p.jsonl:2: the prompt is empty" in capsys.readouterr().err


def test_generate_json_output_with_tiny_models(classifier_dir, tiny_generator_dir, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    code = main(["generate", "--prompt", "The knight drew", "--n", "3", "--max-attempts", "6", "--json", "--model", str(classifier_dir),
                 "--generator", str(tiny_generator_dir), "--max-new-tokens", "6", "--db", db, "--seed", "0"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) >= {"prompt", "candidates", "completion"}
    accepted = [c for c in result["candidates"] if c["accepted"]]
    if result["completion"] is None:
        assert accepted == [] and all(c["p_injury"] >= 0.5 for c in result["candidates"])
    else:
        assert len(accepted) == 1 and accepted[0]["completion"] == result["completion"] and accepted[0]["p_injury"] < 0.5
    from unscathed.store import open_store

    assert len(open_store(db).requests()) == 1


def test_train_cli_reports_metrics(tiny_encoder_dir, tmp_path, capsys):
    rows = [{"prompt": f"the knight {i}", "completion": "he bled" if i % 2 else "she smiled", "label": i % 2} for i in range(40)]
    data = write_jsonl(tmp_path / "train.jsonl", rows)
    out = tmp_path / "clf"
    assert main(["train", "--data", str(data), "--out", str(out), "--base-model", str(tiny_encoder_dir), "--epochs", "1", "--validation-fraction", "0.3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["threshold"] > 0 and "auc" in report["validation"]
    assert (out / "unscathed.json").exists()


def test_unknown_option_is_refused():
    with pytest.raises(SystemExit):
        main(["generate", "--temprature", "0.5"])
