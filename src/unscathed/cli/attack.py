"""``unscathed attack`` and ``unscathed round``: the attack stage's command line."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import fields
from pathlib import Path

from ..attack.config import AttackConfig
from ..attack.recipes import RECIPES
from ..config import TrainConfig, default_db_url
from ..models.loading import load_classifier
from .options import add_generator_options, load_generator


def _attack_config(args: argparse.Namespace) -> AttackConfig:
    given = {f.name: getattr(args, f.name) for f in fields(AttackConfig) if getattr(args, f.name, None) is not None}
    if args.protected_word:
        given["protected_words"] = tuple(args.protected_word)
    return AttackConfig.from_dict(given)


def _models(args: argparse.Namespace):
    """(classifier, generator or None, masked LM proposer or None) the options name."""
    from ..attack.proposers import MaskedLMProposer

    classifier = load_classifier(args.model)
    generator = None if args.no_generator else load_generator(args)
    return classifier, generator, MaskedLMProposer(args.mlm) if args.mlm else None


def _snippets(args: argparse.Namespace):
    from ..attack.round import injurious_test_snippets
    from ..labeled_data import read_jsonl
    from ..snippet import Snippet

    if args.input:
        return [Snippet(r["prompt"], r["completion"], {"id": f"{args.input}:{n}"}) for n, r in read_jsonl(args.input, required=("prompt", "completion"))]
    return injurious_test_snippets(args.seed_test, args.sample_seed)


def cmd_attack(args: argparse.Namespace) -> int:
    from ..attack.queue import attack_rows, queue
    from ..attack.recipes import build_recipe
    from ..attack.round import attack_summary, log_line

    config, snippets = _attack_config(args), _snippets(args)
    classifier, generator, mlm = _models(args)
    store = None
    if args.queue:
        from ..store import open_store

        store = open_store(args.db)
    out = open(args.output, "w", encoding="utf-8") if args.output else None
    for recipe in args.recipe:
        attack = build_recipe(recipe, classifier, config, generator=generator, mlm=mlm)
        results = [attack.run(s) for s in snippets]
        for result in results:
            ids = queue(store, attack_rows([result], classifier.version)) if store else []
            if out:
                out.write(json.dumps({**log_line(result, classifier.version, ids), "found": [f.candidate.completion for f in result.found]}) + "\n")
        print(json.dumps({"recipe": recipe, **attack_summary(results)}))
    return 0


def cmd_round_attack(args: argparse.Namespace) -> int:
    from ..attack.paraphrase import paraphrase
    from ..attack.queue import paraphrase_rows, queue
    from ..attack.round import attack_phase
    from ..store import open_store

    config, snippets = _attack_config(args), _snippets(args)
    classifier, generator, mlm = _models(args)
    store = open_store(args.db)
    summaries = attack_phase(classifier, snippets, args.recipe, config, store, Path(args.round_dir), args.round, generator, mlm, progress=lambda m: print(m, file=sys.stderr))
    if args.paraphrases:
        if generator is None:
            raise ValueError("--paraphrases needs the generator (drop --no-generator)")
        accepted = paraphrase(generator, classifier, snippets, n=args.paraphrases)
        summaries["paraphrase"] = {"queued": len(queue(store, paraphrase_rows(accepted, generator.name, classifier.version, classifier.threshold, args.round)))}
    print(json.dumps({"round": args.round, "classifier_version": classifier.version, "recipes": summaries}, indent=2))
    return 0


def cmd_round_label(args: argparse.Namespace) -> int:
    """Record a person's labels, read from a JSONL file of {snippet_id, label (0/1/null), note}."""
    from ..labeled_data import DataError, read_jsonl
    from ..store import open_store

    store = open_store(args.db)
    rows = list(read_jsonl(args.labels, required=("snippet_id", "label")))
    for n, row in rows:
        if row["label"] not in (0, 1, None):
            raise DataError(f"{args.labels}:{n}: label must be 0, 1 or null (unsure), got {row['label']!r}")
    for _, row in rows:
        store.add_label(int(row["snippet_id"]), args.labeler, row["label"], note=row.get("note"))
    print(f"recorded {len(rows)} labels by {args.labeler}", file=sys.stderr)
    return 0


def cmd_round_retrain(args: argparse.Namespace) -> int:
    from ..attack.round import retrain_phase
    from ..store import open_store
    from .options import config_from

    before = load_classifier(args.model)
    record = retrain_phase(open_store(args.db), Path(args.round_dir), before, config_from(args, TrainConfig), args.held_out, seed_train_examples=args.seed_train_examples)
    print(json.dumps(record, indent=2))
    return 0


def cmd_round_report(args: argparse.Namespace) -> int:
    from ..attack.round import labeled_adversarial, read_attack_log
    from ..attack.time_to_failure import runs_from_log, summarize
    from ..store import open_store

    store = open_store(args.db)
    labels = {r["snippet_id"]: r["label"] for prefix in ("attack:",) for r in store.snippets_by_source(prefix)}
    log = read_attack_log([Path(d) for d in args.round_dir])
    grouped = runs_from_log(log, labels)
    print("| classifier | recipe | runs | fooled | verified failures | pending | queries per verified failure (95% CI) | seconds per verified failure |")
    print("|---|---|---|---|---|---|---|---|")
    for (version, recipe), runs in grouped.items():
        s = summarize(runs)
        fooled = sum(1 for row in log if row["classifier_version"] == version and row["recipe"] == recipe and row["success"])
        low, high = s.queries_interval
        print(f"| {version} | {recipe} | {s.runs} | {fooled} | {s.failures} | {s.pending} | {s.queries_per_failure:.0f} ({low:.0f}-{high if math.isinf(high) else round(high)}) | {s.seconds_per_failure:.1f} |")
    print(f"labeled adversarial snippets in the store: {len(labeled_adversarial(store))}", file=sys.stderr)
    return 0


def _add_attack_options(parser: argparse.ArgumentParser) -> None:
    from .options import add_config_options

    parser.add_argument("--recipe", action="append", choices=sorted(RECIPES), required=True, help="attack recipe (repeatable)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--input", help="JSONL of injurious snippets (prompt, completion) to attack")
    where.add_argument("--seed-test", type=int, help="attack this many injurious snippets of the seed test split")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed for drawing --seed-test snippets")
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    parser.add_argument("--no-generator", action="store_true", help="no generator: no LM proposals, no fluency bound")
    parser.add_argument("--mlm", help="masked-LM directory to propose words (TextFooler, BAE)")
    parser.add_argument("--protected-word", action="append", help="a word no edit may touch (repeatable)")
    parser.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store holding the label queue")
    add_generator_options(parser)
    add_config_options(parser, AttackConfig, skip=("protected_words",))


def add_attack_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``unscathed attack`` and ``unscathed round``."""
    from .options import add_config_options

    attack = sub.add_parser("attack", help="attack the classifier with named recipes; optionally queue what fools it")
    _add_attack_options(attack)
    attack.add_argument("--queue", action="store_true", help="queue candidates below the threshold for labeling")
    attack.add_argument("--output", help="write one JSON line per attack run")
    attack.set_defaults(func=cmd_attack)

    rounds = sub.add_parser("round", help="adversarial rounds: attack and queue, record labels, retrain, report")
    stages = rounds.add_subparsers(dest="stage", required=True)
    run = stages.add_parser("attack", help="attack the current classifier and queue candidates with lineage")
    _add_attack_options(run)
    run.add_argument("--round-dir", required=True, help="directory of this round (attacks.jsonl goes there)")
    run.add_argument("--round", type=int, default=1, help="round number recorded in each candidate's lineage")
    run.add_argument("--paraphrases", type=int, default=0, help="also queue accepted paraphrases: rewrites drawn per snippet")
    run.set_defaults(func=cmd_round_attack)
    label = stages.add_parser("label", help="record a verifier's labels from a JSONL file of snippet_id, label, note")
    label.add_argument("--labels", required=True)
    label.add_argument("--labeler", required=True, help="who read and labeled them")
    label.add_argument("--db", default=default_db_url())
    label.set_defaults(func=cmd_round_label)
    retrain = stages.add_parser("retrain", help="train on seed + labeled adversarial snippets and log the round")
    retrain.add_argument("--round-dir", required=True)
    retrain.add_argument("--model", help="the classifier before this round (default: the default classifier)")
    retrain.add_argument("--held-out", type=float, default=0.3, help="share of adversarial originals held out for evaluation")
    retrain.add_argument("--seed-train-examples", type=int, help="cap on seed training rows (every adversarial row is kept); for quick rounds that fine-tune --base-model")
    retrain.add_argument("--db", default=default_db_url())
    add_config_options(retrain, TrainConfig)
    retrain.set_defaults(func=cmd_round_retrain)
    report = stages.add_parser("report", help="attack success and time to a verified failure per classifier version and recipe")
    report.add_argument("--round-dir", action="append", required=True, help="round directory (repeatable)")
    report.add_argument("--db", default=default_db_url())
    report.set_defaults(func=cmd_round_report)
