"""Draw prompt windows from the training corpora and sample one completion each from the default generator.

    .venv/bin/python scripts/sample_labeling_round.py --round 2 --random 2400 --enriched 1200 --work /work/labelwork/round-2
    .venv/bin/python scripts/sample_labeling_round.py --round 3 --random 2600 --enriched 0 --test 2600 --every-start \\
        --features --work /work/labelwork/round-3

Design (recorded in every row): independent uniform draws from the frame of windows (``--every-start``: a
window at every sentence, else non-overlapping windows):
- ``--random`` windows from the whole frame;
- ``--enriched`` windows from its violence-prone windows (``corpus_windows.violence_prone``, a rule on the
  prompt used only to enrich selection, never to label);
- ``--test`` windows from its held-out (test-split) stories and books.
A window's inclusion probability is the union 1 - (1 - n_r/N)(1 - [violence-prone] n_e/N_v)(1 - [test] n_t/N_t),
for Horvitz-Thompson weights. Completions are written in chunks of 250 in a random order, so any prefix of the
chunks is itself a random subsample of the design. ``--features`` puts each chunk's probe features in the
feature cache while the generator is loaded anyway (training and scoring later read them from there).

Writes ``WORK/chunk-NNN.jsonl`` with the prompt text (for labelers) and ``data/labeling/round-R/snippets.jsonl`` with
a reference to the corpus window instead of its text (the corpora are never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch

from unscathed.config import SamplingSettings
from unscathed.corpus_windows import reference, split_of_story, training_windows, violence_prone
from unscathed.labeled_data import LabeledSnippet
from unscathed.labels.rounds import write_chunk
from unscathed.models.generator import HFGenerator
from unscathed.models.probe_features import FeatureSettings
from unscathed.probe_train import FeatureCache
from unscathed.select import union_probability

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--random", type=int, default=2000)
    parser.add_argument("--enriched", type=int, default=1000)
    parser.add_argument("--test", type=int, default=0, help="windows drawn from the held-out (test-split) stories")
    parser.add_argument("--every-start", action="store_true", help="a window at every sentence, not only every third")
    parser.add_argument("--features", action="store_true", help="cache the probe's features of every completion")
    parser.add_argument("--work", required=True, help="folder for the labelers' chunks (outside the repository)")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    windows = training_windows(stride=1 if args.every_start else None)
    violent = [w for w in windows if violence_prone(w.prompt)]
    held_out = [w for w in windows if split_of_story(w.source, w.story_id) == "test"]
    p_random, p_enriched, p_test = args.random / len(windows), args.enriched / len(violent), args.test / max(len(held_out), 1)
    chosen = {w.prompt_id: w for w in rng.sample(windows, args.random)}
    in_random = set(chosen)
    in_enriched = {w.prompt_id for w in rng.sample(violent, args.enriched)}
    chosen.update({w.prompt_id: w for w in violent if w.prompt_id in in_enriched})
    in_test = {w.prompt_id for w in rng.sample(held_out, args.test)} if args.test else set()
    chosen.update({w.prompt_id: w for w in held_out if w.prompt_id in in_test})
    order = sorted(chosen)
    rng.shuffle(order)
    generator = HFGenerator.default()
    settings = SamplingSettings()
    feature_settings = FeatureSettings()
    cache = FeatureCache(generator.name, feature_settings) if args.features else None
    work, repo_out = Path(args.work), REPO / "data" / "labeling" / f"round-{args.round}"
    work.mkdir(parents=True, exist_ok=True)
    repo_out.mkdir(parents=True, exist_ok=True)
    design = {
        "round": args.round, "windows": len(windows), "every_start": args.every_start, "violence_prone": len(violent), "held_out": len(held_out),
        "random": args.random, "enriched": args.enriched, "test": args.test, "seed": args.seed, "generator": generator.name, "settings": settings.__dict__,
    }
    (repo_out / "design.json").write_text(json.dumps(design, indent=2))
    began = time.time()
    with (repo_out / "snippets.jsonl").open("w") as refs:
        for chunk_start in range(0, len(order), 250):
            ids = order[chunk_start : chunk_start + 250]
            rows = []
            for b in range(0, len(ids), args.batch):
                batch = [chosen[i] for i in ids[b : b + args.batch]]
                torch.manual_seed(args.seed * 1_000_003 + chunk_start + b)
                for w, out in zip(batch, generator.sample([w.prompt for w in batch], 1, settings)):
                    vp = violence_prone(w.prompt)
                    split = split_of_story(w.source, w.story_id)
                    rows.append({
                        "id": f"r{args.round}-{len(rows) + chunk_start:05d}", "prompt_ref": reference(w), "prompt": w.prompt, "completion": out[0].text,
                        "finish_reason": out[0].finish_reason, "source": w.source, "story_id": w.story_id, "split": split,
                        "violence_prone": vp, "in_random": w.prompt_id in in_random, "in_enriched": w.prompt_id in in_enriched, "in_test": w.prompt_id in in_test,
                        "inclusion_probability": float(union_probability(p_random, p_enriched if vp else 0.0, p_test if split == "test" else 0.0)),
                        "generator": {"name": generator.name, "settings": settings.__dict__, "seed": args.seed * 1_000_003 + chunk_start + b},
                    })
            if cache is not None:
                cache.features(generator.model, generator.tokenizer, [LabeledSnippet(r["prompt"], r["completion"], 0) for r in rows], feature_settings)
            chunk = work / f"chunk-{chunk_start // 250:03d}.jsonl"
            write_chunk(chunk, rows, refs)
            print(f"{chunk.name}: {len(rows)} snippets, {time.time() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
