import json

import pytest
import torch
from conftest import KeywordScorer
from planted import VowelShareScorer, training_prompts
from safetensors.torch import load_file

from unscathed.config import SamplingSettings
from unscathed.distill import DistillConfig
from unscathed.distill.trainer import distill
from unscathed.models.generator import HFGenerator

pytestmark = pytest.mark.usefixtures("one_thread")

SHORT = dict(steps=4, prompts_per_step=4, group_size=2, max_new_tokens=8, learning_rate=1e-3, reward="neg_p_injury")


def _run(generator_dir, out, resume=False, **changes):
    config = DistillConfig(**{**SHORT, "checkpoint_every": 2, **changes})
    return distill(generator_dir, VowelShareScorer(), config, out, prompts=training_prompts(), resume=resume, progress=False)


def test_a_short_run_writes_a_loadable_generator_with_its_record(tiny_generator_dir, tmp_path):
    metadata = _run(tiny_generator_dir, tmp_path / "out")
    generator = HFGenerator.from_pretrained(tmp_path / "out")
    assert len(generator.sample(["the knight"], 2, SamplingSettings(max_new_tokens=6))[0]) == 2
    saved = json.loads((tmp_path / "out" / "distill.json").read_text())
    assert saved == json.loads(json.dumps(metadata))
    assert saved["classifier"] == {"version": "planted-vowel-share", "threshold": 0.5, "reward": "neg_p_injury"}
    assert saved["config"]["steps"] == 4 and saved["method"] == "rl"
    assert saved["prompts"]["n_prompts"] == 8 and saved["prompts"]["n_violence_prone"] == 2
    assert len(saved["prompts"]["prompts"]) == 8 and saved["figures"]["steps"] == 4
    steps = [json.loads(line) for line in (tmp_path / "out" / "report.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    assert all({"reward", "kl", "unsafe_rate", "loss", "seconds"} <= set(s) for s in steps)
    assert steps[0]["kl"] == pytest.approx(0.0, abs=1e-4)  # the first samples come from the original itself
    assert (tmp_path / "out" / "report.png").stat().st_size > 0
    assert [p.name for p in (tmp_path / "out" / "checkpoints").iterdir()] == ["step-000004"]
    changed = load_file(tmp_path / "out" / "model.safetensors")
    original = load_file(tiny_generator_dir / "model.safetensors")
    assert any(not torch.equal(changed[k], original[k]) for k in original)


def test_resuming_gives_the_run_an_unbroken_one_gives(tiny_generator_dir, tmp_path):
    _run(tiny_generator_dir, tmp_path / "whole")
    _run(tiny_generator_dir, tmp_path / "broken", steps=2)
    _run(tiny_generator_dir, tmp_path / "broken", resume=True)
    whole, resumed = (load_file(tmp_path / d / "model.safetensors") for d in ("whole", "broken"))
    assert all(torch.allclose(whole[k], resumed[k], atol=1e-6) for k in whole)
    rows = [[{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in (tmp_path / d / "report.jsonl").read_text().splitlines()] for d in ("whole", "broken")]
    assert rows[0] == rows[1]


def test_only_the_top_layers_train_when_asked(tiny_generator_dir, tmp_path):
    _run(tiny_generator_dir, tmp_path / "top", trainable_layers=1, steps=2)
    changed = load_file(tmp_path / "top" / "model.safetensors")
    original = load_file(tiny_generator_dir / "model.safetensors")
    moved = {k for k in original if not torch.equal(changed[k], original[k])}
    assert moved and all(k.startswith(("model.layers.1.", "model.norm")) for k in moved)


def test_bad_requests_about_the_output_directory_are_refused(tiny_generator_dir, tmp_path):
    with pytest.raises(ValueError, match="nothing to resume"):
        _run(tiny_generator_dir, tmp_path / "empty", resume=True)
    _run(tiny_generator_dir, tmp_path / "out", steps=2)
    with pytest.raises(ValueError, match="is not empty; pass --resume"):
        _run(tiny_generator_dir, tmp_path / "out")
    with pytest.raises(ValueError, match=r"these differ: kl_coef \(was 0.05, now 0.5\)"):
        _run(tiny_generator_dir, tmp_path / "out", resume=True, kl_coef=0.5)
    with pytest.raises(ValueError, match="trainable_layers=9 but the model has 2 layers"):
        _run(tiny_generator_dir, tmp_path / "deep", trainable_layers=9)


def test_the_keyword_stand_in_classifier_works_as_a_reward(tiny_generator_dir, tmp_path):
    config = DistillConfig(**{**SHORT, "steps": 1, "reward": "threshold_penalty"})
    figures = distill(tiny_generator_dir, KeywordScorer(), config, tmp_path / "kw", prompts=training_prompts(), progress=False)["figures"]
    assert figures["reward_first"] <= 0 and 0 <= figures["unsafe_rate_first"] <= 1
