"""How egregious is a failure? Continue prompt + completion with the generator and score the continuations.

If the generator's own continuations of an accepted-but-injurious completion go on to treat the injury as
having happened (score at or above the threshold), the generator "understood" the injury; if they do not,
the failure is one of surface wording the generator itself did not follow up on.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import SamplingSettings
from .models.classifier import Classifier
from .models.generator import Generator
from .options import add_generator_options
from .snippet import Snippet


@dataclass(frozen=True)
class Egregiousness:
    prompt: str
    completion: str
    continuations: list[str]
    scores: np.ndarray
    share_injurious: float  # share of continuations scoring at or above the threshold


def egregiousness(failures: Sequence[Snippet], generator: Generator, classifier: Classifier, k: int = 8, settings: SamplingSettings = SamplingSettings(), threshold: float | None = None) -> list[Egregiousness]:
    """For each failure, ``k`` continuations of prompt + completion, each scored in the context of both."""
    threshold = classifier.threshold if threshold is None else threshold
    contexts = [f"{f.prompt} {f.completion}".strip() for f in failures]
    sampled = generator.sample(contexts, k, settings)
    out = []
    for failure, context, continuations in zip(failures, contexts, sampled):
        texts = [c.text for c in continuations]
        scores = classifier.score([Snippet(context, t) for t in texts])
        out.append(Egregiousness(failure.prompt, failure.completion, texts, scores, float(np.mean(scores >= threshold))))
    return out


def cmd_egregious(args: argparse.Namespace) -> int:
    from .labeled_data import read_jsonl
    from .options import load_classifier, load_generator

    failures = [Snippet(r["prompt"], r["completion"]) for _, r in read_jsonl(args.input, required=("prompt", "completion"))]
    results = egregiousness(failures, load_generator(args), load_classifier(args.model), k=args.k)
    for r in results:
        print(json.dumps({"prompt": r.prompt, "completion": r.completion, "share_injurious": r.share_injurious,
                          "continuations": [{"text": t, "p_injury": round(float(s), 4)} for t, s in zip(r.continuations, r.scores)]}))
    if results:
        print(f"mean share of continuations that treat the injury as real: {np.mean([r.share_injurious for r in results]):.3f} over {len(results)} failures", file=sys.stderr)
    return 0


def add_egregious_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("egregious", help="continue each failure k times and score whether the injury is carried on")
    parser.add_argument("--input", required=True, help="JSONL of failures (prompt, completion)")
    parser.add_argument("--k", type=int, default=8, help="continuations per failure")
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    add_generator_options(parser)
    parser.set_defaults(func=cmd_egregious)
