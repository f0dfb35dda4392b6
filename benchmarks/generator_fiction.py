"""The fiction-tuned generator against the original, in one run: perplexity, sampling speed, blind samples.

    .venv/bin/python benchmarks/generator_fiction.py --out benchmarks/results/fiction-generator [--adapter DIR]

Both generators are the same network (SmolLM2-135M-Instruct from its wheel); "new" merges the LoRA adapter at
load (the shipped one unless --adapter is given). Writes into --out:
- perplexity.json: held-out perplexity on evaluation-only text (FairytaleQA test stories, Sherlock Holmes),
  the same 128-token blocks for both;
- speed.json: seconds per completion for each, sampled alternately on the same prompts, and the ratio;
- blind_read.jsonl + blind_read_key.jsonl: one completion from each on the same random evaluation-only
  prompts, shuffled together (readers see only ids), and the key that says which model wrote which;
- violence_blind.jsonl + violence_key.jsonl: the same design on violence-prone validation windows of the
  training corpora, for the injury base rate labeled by reading.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch

from unscathed.config import SamplingSettings
from unscathed.corpus_windows import evaluation_windows, split_of_story, training_windows, violence_prone
from unscathed.finetune_generator.corpus import evaluation_documents, token_blocks
from unscathed.models.defaults import FICTION_ADAPTER, base_generator_dir
from unscathed.models.generator import HFGenerator


@torch.inference_mode()
def perplexity(generator: HFGenerator, blocks) -> float:
    total, count = 0.0, 0
    for i in range(0, len(blocks), 8):
        ids = torch.tensor([b.input_ids for b in blocks[i : i + 8]], device=generator.model.device)
        loss = generator.model(input_ids=ids, labels=ids).loss
        n = ids.numel() - ids.shape[0]
        total, count = total + float(loss) * n, count + n
    return math.exp(total / count)


def sample_both(generators: dict[str, HFGenerator], prompts: list[str], seed: int, batch: int = 16) -> tuple[dict[str, list[str]], dict[str, float]]:
    """One completion per prompt from each generator, batch by batch, alternating which goes first."""
    texts: dict[str, list[str]] = {k: [] for k in generators}
    seconds = {k: 0.0 for k in generators}
    settings = SamplingSettings()
    for n, start in enumerate(range(0, len(prompts), batch)):
        names = list(generators) if n % 2 == 0 else list(generators)[::-1]
        for name in names:
            torch.manual_seed(seed + start)
            began = time.perf_counter()
            out = generators[name].sample(prompts[start : start + batch], 1, settings)
            seconds[name] += time.perf_counter() - began
            texts[name].extend(row[0].text for row in out)
    return texts, seconds


def write_blind(out: Path, stem: str, prompts: list[str], texts: dict[str, list[str]], names: dict[str, str], seed: int, extra: list[dict]) -> None:
    rows = [{"prompt": p, "completion": texts[k][i], "generator": names[k], **extra[i]} for k in texts for i, p in enumerate(prompts)]
    random.Random(seed).shuffle(rows)
    with (out / f"{stem}.jsonl").open("w") as blind, (out / f"{stem}_key.jsonl").open("w") as key:
        for n, row in enumerate(rows):
            rid = f"{stem}-{n:04d}"
            blind.write(json.dumps({"id": rid, "prompt": row["prompt"], "completion": row["completion"]}) + "\n")
            key.write(json.dumps({"id": rid, **row}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--adapter", default=str(FICTION_ADAPTER))
    parser.add_argument("--blocks", type=int, default=160, help="evaluation blocks of 128 tokens for perplexity")
    parser.add_argument("--read", type=int, default=100, help="evaluation-only prompts for the blind read")
    parser.add_argument("--violent", type=int, default=150, help="violence-prone validation windows for the base rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    old = HFGenerator.from_pretrained(base_generator_dir(), name="SmolLM2-135M-Instruct")
    new = HFGenerator.from_pretrained(base_generator_dir(), name="SmolLM2-135M-Instruct", adapter=args.adapter)
    generators = {"old": old, "new": new}
    names = {"old": old.name, "new": new.name}

    blocks = token_blocks(evaluation_documents(), old.tokenizer, 128)
    blocks = random.Random(args.seed).sample(blocks, min(args.blocks, len(blocks)))
    ppl = {k: perplexity(g, blocks) for k, g in generators.items()}
    (out / "perplexity.json").write_text(json.dumps({"blocks": len(blocks), "block_tokens": 128, "source": "evaluation-only texts", **{f"{k} ({names[k]})": v for k, v in ppl.items()}}, indent=2))
    print("perplexity", ppl)

    rng = random.Random(args.seed)
    read = rng.sample(evaluation_windows(), args.read)
    texts, seconds = sample_both(generators, [w.prompt for w in read], args.seed)
    write_blind(out, "blind_read", [w.prompt for w in read], texts, names, args.seed, [{"source": w.source, "story_id": w.story_id} for w in read])
    speed = {f"{k} seconds per completion": seconds[k] / len(read) for k in generators}
    speed["new / old"] = seconds["new"] / seconds["old"]
    (out / "speed.json").write_text(json.dumps({"completions each": len(read), "batch": 16, "threads": torch.get_num_threads(), **speed}, indent=2))
    print("speed", speed)

    pool = [w for w in training_windows() if split_of_story(w.source, w.story_id) == "validation" and violence_prone(w.prompt)]
    violent = rng.sample(pool, args.violent)
    texts, _ = sample_both(generators, [w.prompt for w in violent], args.seed + 1)
    write_blind(out, "violence_blind", [w.prompt for w in violent], texts, names, args.seed + 1, [{"source": w.source, "story_id": w.story_id} for w in violent])


if __name__ == "__main__":
    main()
