"""An active-learning labeling round: generate a pool, score it with a committee, keep what is worth reading.

    .venv/bin/python scripts/sample_active_round.py --round 4 --random 1500 --enriched 2000 \\
        --committee src/unscathed/models/default_probe --committee DIR ... --work /work/labelwork/round-4

Design (recorded in ``design.json`` and every row):
1. A pool of windows from the non-test stories (a window at every sentence): a uniform draw of ``--random`` and
   an independent uniform draw of ``--enriched`` violence-prone windows; pool inclusion probability
   q = 1 - (1 - n_r/N)(1 - [violence-prone] n_e/N_v).
2. One completion per window from the default generator; its probe features go to the feature cache.
3. Each completion is scored by every committee member (the first is the shipped classifier) and kept with the
   probability its reason fixes (``unscathed.select.committee_selection``): near the threshold or a split committee 1,
   accepted on a violence-prone prompt ``--p-accepted-prone``, anything else ``--p-other``.
The kept row's inclusion probability is q times that probability. The scores and reasons of the whole pool go
to ``selection.jsonl`` (never shown to labelers); the labelers' chunks hold only id, prompt and completion.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from unscathed.config import SamplingSettings
from unscathed.corpus_windows import reference, split_of_story, training_windows, violence_prone
from unscathed.labeled_data import LabeledSnippet
from unscathed.labels.rounds import write_chunk
from unscathed.models.classifier import ClassifierMetadata
from unscathed.models.generator import HFGenerator
from unscathed.models.probe import PROBE_FILE, ProbeHead, max_by_owner, sigmoid
from unscathed.models.probe_features import FeatureSettings
from unscathed.probe_train import FeatureCache
from unscathed.select import SelectionRule, committee_selection, union_probability

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--random", type=int, required=True)
    parser.add_argument("--enriched", type=int, required=True)
    parser.add_argument("--committee", action="append", required=True, help="probe directory, repeatable; the first is the shipped classifier")
    parser.add_argument("--p-accepted-prone", type=float, default=0.6)
    parser.add_argument("--p-other", type=float, default=0.25)
    parser.add_argument("--work", required=True, help="folder for the labelers' chunks (outside the repository)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    rule = SelectionRule(accepted_prone=args.p_accepted_prone, other=args.p_other)
    heads = [ProbeHead.from_tensors(load_file(str(Path(d) / PROBE_FILE))) for d in args.committee]
    metadata = [ClassifierMetadata.load(Path(d)) for d in args.committee]
    thresholds = np.array([m.threshold for m in metadata])

    rng = random.Random(args.seed)
    draw_rng = np.random.default_rng(args.seed)
    windows = [w for w in training_windows(stride=1) if split_of_story(w.source, w.story_id) != "test"]
    violent = [w for w in windows if violence_prone(w.prompt)]
    p_random, p_enriched = args.random / len(windows), args.enriched / len(violent)
    chosen = {w.prompt_id: w for w in rng.sample(windows, args.random)}
    in_random = set(chosen)
    in_enriched = {w.prompt_id for w in rng.sample(violent, args.enriched)}
    chosen.update({w.prompt_id: w for w in violent if w.prompt_id in in_enriched})
    order = sorted(chosen)
    rng.shuffle(order)

    generator = HFGenerator.default()
    settings, feature_settings = SamplingSettings(), FeatureSettings()
    cache = FeatureCache(generator.name, feature_settings)
    work, repo_out = Path(args.work), REPO / "data" / "labeling" / f"round-{args.round}"
    work.mkdir(parents=True, exist_ok=True)
    repo_out.mkdir(parents=True, exist_ok=True)
    design = {
        "round": args.round, "kind": "active", "windows": len(windows), "every_start": True, "violence_prone": len(violent), "random": args.random, "enriched": args.enriched,
        "committee": [{"dir": d, "version": m.version, "threshold": m.threshold} for d, m in zip(args.committee, metadata)],
        "rule": rule.__dict__, "seed": args.seed, "generator": generator.name, "settings": settings.__dict__,
    }
    (repo_out / "design.json").write_text(json.dumps(design, indent=2))
    began, kept_total, pending = time.time(), 0, []
    with (repo_out / "snippets.jsonl").open("w") as refs, (repo_out / "selection.jsonl").open("w") as pool_log:
        for pool_start in range(0, len(order), 256):
            ids = order[pool_start : pool_start + 256]
            rows = []
            for b in range(0, len(ids), args.batch):
                batch = [chosen[i] for i in ids[b : b + args.batch]]
                seed = args.seed * 1_000_003 + pool_start + b
                torch.manual_seed(seed)
                for w, out in zip(batch, generator.sample([w.prompt for w in batch], 1, settings)):
                    vp = violence_prone(w.prompt)
                    rows.append({
                        "pool_id": f"p{args.round}-{len(rows) + pool_start:05d}", "prompt_ref": reference(w), "prompt": w.prompt, "completion": out[0].text,
                        "finish_reason": out[0].finish_reason, "source": w.source, "story_id": w.story_id, "split": split_of_story(w.source, w.story_id),
                        "violence_prone": vp, "in_random": w.prompt_id in in_random, "in_enriched": w.prompt_id in in_enriched,
                        "pool_probability": float(union_probability(p_random, p_enriched if vp else 0.0)),
                        "generator": {"name": generator.name, "settings": settings.__dict__, "seed": seed},
                    })
            x, owners = cache.features(generator.model, generator.tokenizer, [LabeledSnippet(r["prompt"], r["completion"], 0) for r in rows], feature_settings)
            scores = np.stack([max_by_owner(sigmoid(h.logits(x)), owners, len(rows)) for h in heads])
            selection, reasons = committee_selection(scores, thresholds, np.array([r["violence_prone"] for r in rows]), rule, draw_rng)
            probabilities = np.zeros(len(rows))
            probabilities[selection.indices] = selection.probabilities
            kept = np.zeros(len(rows), bool)
            kept[selection.indices] = True
            for i, r in enumerate(rows):
                pool_log.write(json.dumps({"pool_id": r["pool_id"], "scores": scores[:, i].round(6).tolist(), "reason": reasons[i], "kept": bool(kept[i])}) + "\n")
                if kept[i]:
                    r.update(id=f"r{args.round}-{kept_total:05d}", selection_reason=reasons[i], selection_probability=float(probabilities[i]), inclusion_probability=r["pool_probability"] * float(probabilities[i]))
                    kept_total += 1
                    pending.append(r)
            pool_log.flush()
            while len(pending) >= 250 or (pending and pool_start + 256 >= len(order)):
                chunk_rows, pending = pending[:250], pending[250:]
                number = (kept_total - len(pending) - len(chunk_rows)) // 250
                chunk = work / f"chunk-{number:03d}.jsonl"
                write_chunk(chunk, chunk_rows, refs)
                print(f"{chunk.name}: {len(chunk_rows)} snippets; pool {pool_start + len(rows)} of {len(order)}, {time.time() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
