"""Our side of the peer benchmark: ``unscathed.attack`` recipes on the snippets TextAttack attacks.

Each recipe keeps its own defaults (``AttackConfig``) except the query budget, which is the benchmark's, so
every method spends at most the same number of classifier queries on a snippet, and the edit budgets in
``PEER_BUDGETS``, which match the TextAttack recipe of the same name. Rows have the fields the
TextAttack side writes (method, snippet_id, status, queries, seconds, p_before, p_after, edited).
"""

from __future__ import annotations

import random
from dataclasses import asdict

import torch

from unscathed.attack.config import AttackConfig
from unscathed.attack.recipes import RECIPES, AttackResult, build_recipe
from unscathed.models.generator import HFGenerator
from unscathed.snippet import Snippet

OUR_RECIPES = tuple(RECIPES)
# TextAttack's DeepWordBug allows a Levenshtein distance of 30 (one character edit per word, so up to ~30 words);
# our default of 3 edited words would make the comparison unfair. HotFlip keeps ours (TextAttack's allows 2 words).
PEER_BUDGETS = {"deepwordbug": {"max_edits": 30}}


def _row(recipe: str, snippet_id: str, result: AttackResult) -> dict:
    # A success reports the first candidate found below the threshold; a failure, the lowest score reached.
    final = result.found[0].candidate if result.success else result.best
    return {
        "method": f"ours:{recipe}",
        "snippet_id": snippet_id,
        "status": "success" if result.success else "failed",
        "queries": result.queries,
        "seconds": result.seconds,
        "p_before": result.original_p,
        "p_after": final.p_injury,
        "edited": final.completion,
        "edits": [asdict(edit) for edit in final.edits],
    }


def run_ours(recipes: list[str], classifier, snippets: list[dict], budget: int, seed: int) -> list[dict]:
    """Every recipe on every snippet, ``budget`` queries each; the default generator proposes words and bounds fluency."""
    unknown = sorted(set(recipes) - set(RECIPES))
    if unknown:
        raise SystemExit(f"unknown recipe(s) {', '.join(unknown)}; ours are {', '.join(RECIPES)}")
    generator = HFGenerator.default()
    rows = []
    for recipe in recipes:
        random.seed(seed), torch.manual_seed(seed)
        config = AttackConfig(max_queries=budget, seed=seed, **PEER_BUDGETS.get(recipe, {}))
        attack = build_recipe(recipe, classifier, config, generator=generator)
        for k, s in enumerate(snippets, start=1):
            rows.append(_row(recipe, s["snippet_id"], attack.run(Snippet(s["prompt"], s["completion"]))))
            r = rows[-1]
            print(f"  ours:{recipe} {k}/{len(snippets)}: {r['status']}, {r['queries']} queries, {r['seconds']:.1f} s", flush=True)
        won = sum(r["status"] == "success" for r in rows if r["method"] == f"ours:{recipe}")
        print(f"ours:{recipe}: {won}/{len(snippets)} succeeded", flush=True)
    return rows
