"""Compute the probe's features for snippets ahead of training (labels not needed), into the feature cache.

    .venv/bin/python scripts/cache_probe_features.py data/seed/snippets.jsonl data/labeling/round-2/snippets.jsonl ...

Feature extraction is the slow part of training a probe (a forward pass of the generator per snippet); run it
while labelers work, and ``unscathed train --kind probe`` later finds every snippet already in the cache.
"""

from __future__ import annotations

import logging
import sys

from unscathed.corpus_windows import resolve_prompt
from unscathed.labeled_data import LabeledSnippet, read_jsonl
from unscathed.models.probe import DEFAULT_BACKBONE, load_backbone
from unscathed.models.probe_features import FeatureSettings
from unscathed.probe_train import FeatureCache, backbone_id


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rows = []
    for path in sys.argv[1:]:
        for _, r in read_jsonl(path, required=("completion",)):
            prompt = r["prompt"] if "prompt" in r else resolve_prompt(r["prompt_ref"])
            rows.append(LabeledSnippet(prompt, r["completion"], 0))
    settings = FeatureSettings()
    model, tokenizer = load_backbone(DEFAULT_BACKBONE)
    cache = FeatureCache(backbone_id(DEFAULT_BACKBONE), settings)
    features, _ = cache.features(model, tokenizer, rows, settings)
    print(f"{len(rows)} snippets, {features.shape[0]} windows cached in {cache.path}")


if __name__ == "__main__":
    main()
