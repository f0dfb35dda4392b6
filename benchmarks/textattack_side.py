"""The TextAttack half of the peer benchmark; ``benchmarks/attack_peer.py`` runs it in ``.venv-textattack``.

TextAttack 0.3.11 needs transformers<5 and unscathed needs transformers>=5, so this script runs in its own
interpreter (set up by ``scripts/setup_textattack.sh``). It loads our classifier's safetensors directory with
transformers 4 and encodes (prompt, completion) pairs with our own ``encode_pairs`` (imported from src/, the
one function taken from our package), so TextAttack attacks exactly the scores our filter sees; the caller
checks that by comparing the scores of the unedited snippets on both sides.

Each snippet is a two-column input (prompt, completion) and only the completion may be edited: the prompt is
the story a user wrote, the completion is what the filter judges. The goal is ours, not the recipe's argmax:
P(injury) below the classifier's threshold, within the query budget.

Input: JSONL of {"snippet_id", "prompt", "completion"}. Output: JSONL, one row per (recipe, snippet).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import transformers
from textattack import Attack
from textattack.attack_recipes import DeepWordBugGao2018, Pruthi2019
from textattack.attack_results import FailedAttackResult, SkippedAttackResult, SuccessfulAttackResult
from textattack.constraints.pre_transformation import InputColumnModification
from textattack.goal_functions import UntargetedClassification
from textattack.models.wrappers import ModelWrapper

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from unscathed.models.classifier import INJURY_LABEL, ClassifierMetadata, encode_pairs  # noqa: E402
from unscathed.snippet import Snippet  # noqa: E402

COLUMNS = ["prompt", "completion"]
# Recipes that run offline: character edits need no word embeddings, sentence encoders or hub models.
RECIPES = {"deepwordbug": DeepWordBugGao2018, "pruthi": Pruthi2019}


class PairClassifierWrapper(ModelWrapper):
    """Our injury classifier as TextAttack sees it: (prompt, completion) tuples in, class probabilities out."""

    def __init__(self, directory: Path, batch_size: int = 32) -> None:
        self.metadata = ClassifierMetadata.load(directory)
        self.model = transformers.AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32).eval()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
        self.batch_size = batch_size

    @torch.inference_mode()
    def __call__(self, text_input_list: list[tuple[str, str]]) -> np.ndarray:
        out = []
        for i in range(0, len(text_input_list), self.batch_size):
            snippets = [Snippet(prompt, completion) for prompt, completion in text_input_list[i : i + self.batch_size]]
            batch = encode_pairs(self.tokenizer, snippets, self.metadata.max_length)
            out.append(torch.softmax(self.model(**batch).logits.float(), dim=-1).numpy())
        return np.concatenate(out)


def build_attack(recipe: str, wrapper: PairClassifierWrapper, threshold: float, budget: int) -> Attack:
    """The published recipe with our goal (P(injury) < threshold, at most ``budget`` queries), editing only the completion."""
    published = RECIPES[recipe].build(wrapper)
    goal = UntargetedClassification(wrapper, target_max_score=threshold, query_budget=budget)
    constraints = [*published.pre_transformation_constraints, InputColumnModification(COLUMNS, {"prompt"}), *published.constraints]
    return Attack(goal, constraints, published.transformation, published.search_method)


def attack_one(attack: Attack, row: dict) -> dict:
    started = time.perf_counter()
    result = attack.attack(OrderedDict(prompt=row["prompt"], completion=row["completion"]), INJURY_LABEL)
    seconds = time.perf_counter() - started
    status = {SuccessfulAttackResult: "success", FailedAttackResult: "failed", SkippedAttackResult: "skipped"}.get(type(result), type(result).__name__)
    perturbed = result.perturbed_result
    return {
        "snippet_id": row["snippet_id"],
        "status": status,
        "queries": perturbed.num_queries,
        "seconds": seconds,
        "p_before": float(result.original_result.raw_output[INJURY_LABEL]),
        "p_after": float(perturbed.raw_output[INJURY_LABEL]),
        "edited": perturbed.attacked_text._text_input["completion"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--classifier", required=True, type=Path, help="our classifier directory (safetensors + unscathed.json)")
    parser.add_argument("--threshold", type=float, required=True, help="P(injury) the attack must get below")
    parser.add_argument("--snippets", required=True, type=Path, help="JSONL of snippet_id, prompt, completion")
    parser.add_argument("--budget", type=int, required=True, help="classifier queries per snippet")
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.snippets.read_text().splitlines() if line.strip()]
    wrapper = PairClassifierWrapper(args.classifier)
    with args.out.open("w") as out:
        for recipe in args.recipes.split(","):
            if recipe not in RECIPES:
                parser.error(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
            # The character edits are random: seed each recipe so a rerun attacks the same way.
            random.seed(args.seed), np.random.seed(args.seed), torch.manual_seed(args.seed)
            attack = build_attack(recipe, wrapper, args.threshold, args.budget)
            for row in rows:
                out.write(json.dumps({"method": f"textattack:{recipe}", **attack_one(attack, row)}) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
