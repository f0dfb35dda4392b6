"""``unscathed evaluate``: its options and what it does; the work is in ``unscathed.evaluate``."""

from __future__ import annotations

import argparse
import json
import sys

from ..evaluate import classifier_report, plot_calibration
from ..labeled_data import load_split
from .options import add_generator_options


def cmd_evaluate_classifier(args: argparse.Namespace) -> int:
    from ..keyword_baseline import KeywordClassifier
    from ..models.loading import load_classifier

    _, rows = load_split(args.data, args.split)
    report = classifier_report(load_classifier(args.model), rows, KeywordClassifier())
    if args.plot:
        plot_calibration(report, args.plot)
    print(json.dumps(report, indent=2))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    import torch

    from ..config import FilterPolicy, SamplingSettings
    from ..labeled_data import read_jsonl
    from ..models.loading import load_classifier
    from ..reliability import collect_samples, save_samples
    from .options import load_generator

    prompts = [row for _, row in read_jsonl(args.prompts, required=("prompt",))][: args.limit]
    torch.manual_seed(args.seed)
    policy = FilterPolicy(max_attempts=args.budget, batch_size=args.batch_size)
    samples = collect_samples(prompts, load_generator(args), load_classifier(args.model), policy, SamplingSettings(), args.repeats)
    save_samples(samples, args.output)
    need_label = sum(s.accepted for s in samples)
    print(f"wrote {len(samples)} prompts to {args.output}: {need_label} accepted unfiltered completions need a label, "
          f"{len(samples) - need_label} rejected ones need a preference", file=sys.stderr)
    return 0


def cmd_reliability(args: argparse.Namespace) -> int:
    from ..reliability import load_samples, reliability_report

    print(json.dumps(reliability_report(load_samples(args.input), args.confidence), indent=2))
    return 0


def cmd_policies(args: argparse.Namespace) -> int:
    from ..policy_simulation import compare_policies

    print("| policy | failure rate of returned | mean returned score | prompts served | draws per prompt |\n|---|---|---|---|---|")
    for o in compare_policies(args.prompts, args.threshold, args.budget, tuple(args.batch), tuple(args.tighten), args.seed):
        print(f"| {o.name} | {o.failure_rate:.4f} | {o.mean_returned_score:.4f} | {o.accept_share:.3f} | {o.draws_per_prompt:.2f} |")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from ..stats import comparisons_needed

    print(json.dumps(comparisons_needed(args.half_width, args.reject_rate, args.expected_preference), indent=2))
    return 0


def add_evaluate_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="measure classifiers and filters")
    kinds = parser.add_subparsers(dest="kind", required=True)
    clf = kinds.add_parser("classifier", help="test-split figures of a classifier against the keyword baseline")
    clf.add_argument("--model", help="classifier directory (default: the default classifier)")
    clf.add_argument("--data", help="labeled JSONL (default: the seed dataset)")
    clf.add_argument("--split", default="test", help="train, validation, test or all (default: test)")
    clf.add_argument("--plot", help="write a calibration plot (PNG) here")
    clf.set_defaults(func=cmd_evaluate_classifier)

    collect = kinds.add_parser("collect", help="sample what the reliability and quality estimators need, for labeling")
    collect.add_argument("--prompts", required=True, help="JSONL of prompts (e.g. from `unscathed ingest`); an optional 'weight' is D(x)/r(x)")
    collect.add_argument("--output", required=True, help="JSONL of samples to label")
    collect.add_argument("--model", help="classifier directory (default: the default classifier)")
    collect.add_argument("--repeats", type=int, default=2, help="filter runs per prompt to estimate 1/A(x)")
    collect.add_argument("--budget", type=int, default=32, help="draws per filter run")
    collect.add_argument("--batch-size", type=int, default=8, help="draws per generator call")
    collect.add_argument("--limit", type=int, help="use only the first N prompts")
    collect.add_argument("--seed", type=int, default=0)
    add_generator_options(collect)
    collect.set_defaults(func=cmd_collect)

    rel = kinds.add_parser("reliability", help="failure rate (with nines) and quality of the filtered policy from labeled samples")
    rel.add_argument("--input", required=True, help="labeled JSONL written by `evaluate collect`")
    rel.add_argument("--confidence", type=float, default=0.95)
    rel.set_defaults(func=cmd_reliability)

    pol = kinds.add_parser("policies", help="simulate sequential, batched and tightening policies side by side")
    pol.add_argument("--prompts", type=int, default=4000)
    pol.add_argument("--threshold", type=float, default=0.3)
    pol.add_argument("--budget", type=int, default=32)
    pol.add_argument("--batch", type=int, nargs="*", default=[4, 8], help="batch sizes k to compare")
    pol.add_argument("--tighten", type=float, nargs="*", default=[0.9, 0.7], help="tightening factors to compare")
    pol.add_argument("--seed", type=int, default=0)
    pol.set_defaults(func=cmd_policies)

    plan = kinds.add_parser("plan", help="human comparisons needed for a target interval on quality")
    plan.add_argument("--half-width", type=float, required=True)
    plan.add_argument("--reject-rate", type=float, required=True, help="share of unfiltered completions the filter rejects")
    plan.add_argument("--expected-preference", type=float, default=0.5)
    plan.set_defaults(func=cmd_plan)
