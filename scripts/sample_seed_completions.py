"""Sample completions of the team-written seed prompts from the default generator (unfiltered).

Usage: python scripts/sample_seed_completions.py PROMPTS.jsonl OUT.jsonl [--n 5] [--seed 0]
Each output row keeps the prompt's id and genre and records the generator and its sampling settings.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

import torch
from tqdm import tqdm

from unscathed.config import SamplingSettings
from unscathed.models.generator import HFGenerator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("prompts")
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-prompts", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rows = [json.loads(line) for line in open(args.prompts)]
    generator = HFGenerator.default()
    settings = SamplingSettings()
    with open(args.out, "w") as out:
        for start in tqdm(range(0, len(rows), args.batch_prompts), desc="sampling"):
            chunk = rows[start : start + args.batch_prompts]
            samples = generator.sample([r["prompt"] for r in chunk], args.n, settings)
            for row, completions in zip(chunk, samples):
                for k, c in enumerate(completions):
                    record = {
                        "prompt_id": row["prompt_id"],
                        "genre": row["genre"],
                        "prompt": row["prompt"],
                        "completion": c.text,
                        "sample_index": k,
                        "generator": generator.name,
                        "settings": asdict(settings),
                        "seed": args.seed,
                    }
                    out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
