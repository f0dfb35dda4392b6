"""Draw prompt windows from the training corpora and sample one completion each from the default generator.

    .venv/bin/python scripts/sample_labeling_round.py --round 2 --random 2000 --enriched 1000 --work /work/labelwork/round-2

Design (recorded in every row): a uniform random draw of ``--random`` windows from all training windows, and
an independent uniform draw of ``--enriched`` windows from the violence-prone ones (``corpus_windows.violence_prone``,
a rule on the prompt used only to enrich selection). A window's inclusion probability is the union
1 - (1 - n_r/N)(1 - [violence-prone] n_e/N_v), for Horvitz-Thompson weights. Completions are written in chunks of
250 in a random order, so any prefix of the chunks is itself a random subsample of the design.

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
from unscathed.models.generator import HFGenerator

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--random", type=int, default=2000)
    parser.add_argument("--enriched", type=int, default=1000)
    parser.add_argument("--work", required=True, help="folder for the labelers' chunks (outside the repository)")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    windows = training_windows()
    violent = [w for w in windows if violence_prone(w.prompt)]
    p_random, p_enriched = args.random / len(windows), args.enriched / len(violent)
    chosen = {w.prompt_id: w for w in rng.sample(windows, args.random)}
    in_random = set(chosen)
    in_enriched = {w.prompt_id for w in rng.sample(violent, args.enriched)}
    chosen.update({w.prompt_id: w for w in violent if w.prompt_id in in_enriched})
    order = sorted(chosen)
    rng.shuffle(order)
    generator = HFGenerator.default()
    settings = SamplingSettings()
    work, repo_out = Path(args.work), REPO / "data" / "labeling" / f"round-{args.round}"
    work.mkdir(parents=True, exist_ok=True)
    repo_out.mkdir(parents=True, exist_ok=True)
    design = {"round": args.round, "windows": len(windows), "violence_prone": len(violent), "random": args.random, "enriched": args.enriched, "seed": args.seed, "generator": generator.name, "settings": settings.__dict__}
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
                    rows.append({
                        "id": f"r{args.round}-{len(rows) + chunk_start:05d}", "prompt_ref": reference(w), "prompt": w.prompt, "completion": out[0].text,
                        "finish_reason": out[0].finish_reason, "source": w.source, "story_id": w.story_id, "split": split_of_story(w.source, w.story_id),
                        "violence_prone": vp, "in_random": w.prompt_id in in_random, "in_enriched": w.prompt_id in in_enriched,
                        "inclusion_probability": 1 - (1 - p_random) * (1 - (p_enriched if vp else 0.0)),
                        "generator": {"name": generator.name, "settings": settings.__dict__, "seed": args.seed * 1_000_003 + chunk_start + b},
                    })
            chunk = work / f"chunk-{chunk_start // 250:03d}.jsonl"
            with chunk.open("w") as f:
                f.writelines(json.dumps({k: r[k] for k in ("id", "prompt", "completion")}) + "\n" for r in rows)
            refs.writelines(json.dumps({k: v for k, v in r.items() if k != "prompt"}) + "\n" for r in rows)
            refs.flush()
            print(f"{chunk.name}: {len(rows)} snippets, {time.time() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
