"""LoRA fine-tuning on a tiny random Llama: loss falls, resume is exact, the adapter loads into a generator."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from unscathed.config import SamplingSettings
from unscathed.finetune_generator import Document, FinetuneConfig, finetune
from unscathed.finetune_generator.trainer import batch_indices
from unscathed.models.generator import HFGenerator

STORY = "The fox ran to the river and the hen sat by the door. " * 40
DOCS = [Document("fox", "test", STORY), Document("hen", "test", STORY[::-1])]
CONFIG = FinetuneConfig(steps=6, batch_size=4, block_size=32, learning_rate=3e-2, warmup_steps=1, lora_rank=4, lora_alpha=8, target_modules="q_proj,v_proj", checkpoint_every=3, seed=5)


def test_batches_cover_every_block_once_per_epoch_and_depend_only_on_seed_and_step():
    epoch = [i for step in range(5) for i in batch_indices(10, step, 2, seed=3)]
    assert sorted(epoch) == list(range(10))
    assert batch_indices(10, 7, 4, seed=3) == batch_indices(10, 7, 4, seed=3)
    assert batch_indices(10, 0, 4, seed=3) != batch_indices(10, 0, 4, seed=4)


def test_loss_falls_and_run_folder_is_complete(tiny_generator_dir, tmp_path):
    record = finetune(tiny_generator_dir, tmp_path / "run", DOCS, CONFIG, progress=False, device="cpu")
    losses = [json.loads(line)["loss"] for line in (tmp_path / "run" / "loss.jsonl").read_text().splitlines()]
    assert len(losses) == CONFIG.steps and losses[-1] < losses[0]
    assert (tmp_path / "run" / "loss.png").stat().st_size > 0
    assert (tmp_path / "run" / "adapter" / "adapter_model.safetensors").exists()
    assert record["seed"] == 5 and record["corpus"]["documents"] == 2 and len(record["adapter_sha256"]) == 64


def test_a_killed_run_resumes_to_the_same_weights(tiny_generator_dir, tmp_path):
    finetune(tiny_generator_dir, tmp_path / "whole", DOCS, CONFIG, progress=False, device="cpu")
    assert finetune(tiny_generator_dir, tmp_path / "split", DOCS, CONFIG, progress=False, device="cpu", stop_after=4) is None  # "killed"
    torch.manual_seed(12345)  # the resumed run must not depend on the state the process happens to be in
    finetune(tiny_generator_dir, tmp_path / "split", DOCS, CONFIG, resume=True, progress=False, device="cpu")
    whole = load_file(str(tmp_path / "whole" / "adapter" / "adapter_model.safetensors"))
    split = load_file(str(tmp_path / "split" / "adapter" / "adapter_model.safetensors"))
    assert whole.keys() == split.keys()
    for name in whole:
        torch.testing.assert_close(whole[name], split[name], rtol=0, atol=1e-6)
    steps = [json.loads(line)["step"] for line in (tmp_path / "split" / "loss.jsonl").read_text().splitlines()]
    assert steps == list(range(1, CONFIG.steps + 1))


def test_an_existing_run_folder_is_not_overwritten_without_resume(tiny_generator_dir, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "something").write_text("x")
    with pytest.raises(FileExistsError):
        finetune(tiny_generator_dir, tmp_path / "run", DOCS, CONFIG, progress=False, device="cpu")


def test_adapter_is_merged_at_load_and_named_by_its_hash(tiny_generator_dir, tmp_path):
    record = finetune(tiny_generator_dir, tmp_path / "run", DOCS, CONFIG, progress=False, device="cpu")
    plain = HFGenerator.from_pretrained(tiny_generator_dir)
    tuned = HFGenerator.from_pretrained(tiny_generator_dir, adapter=tmp_path / "run" / "adapter")
    assert tuned.name.endswith(record["adapter_sha256"][:12])
    assert type(tuned.model) is type(plain.model)  # merged: a plain model, no PEFT wrapper at sampling time
    ids = torch.tensor([[5, 6, 7, 8]])
    assert not torch.allclose(plain.model(ids).logits, tuned.model(ids).logits)
    assert tuned.sample(["The fox"], 2, SamplingSettings(max_new_tokens=5, one_sentence=False))
