"""Distilled generators side by side with the original and the filtered original, on held-out prompts.

    .venv/bin/python benchmarks/distill_side_by_side.py --distilled runs/rl --distilled runs/sft \
        [--model CLASSIFIER] [--prompts 32] [--samples 4] [--adversarial-prompts FILE] [--labels FILE] [--out DIR]
    .venv/bin/python benchmarks/distill_side_by_side.py --train rl,sft --steps 20 --out runs/bench   # distil first

Held-out prompts are the seed prompts' test split (the distillation trains on the train split). Prints the
table of unsafe rates (classifier and keyword judges), quality against the original (a STAND-IN rater,
said so in the output), KL to the original, and cost; writes table.txt and side_by_side.json into --out.
With --labels (the labeled.jsonl of benchmarks/distill_labeled_sample.py), the column "unsafe (labeled)" gives
each generator's unsafe rate from a person's blind labels, matched to the table's rows by generator name.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

try:
    import unscathed  # noqa: F401
except ImportError:  # run from a checkout without installing: use its src/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch

from unscathed.config import FilterPolicy
from unscathed.distill import DistillConfig, load_prompts
from unscathed.distill.compare import as_json, attach_labeled, side_by_side, table
from unscathed.distill.labeled import labeled_rates, read_labeled
from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def held_out_prompts(n: int) -> list[str]:
    """The first ``n`` prompts of the seed prompts' test split (in file order)."""
    return [p.prompt for p in load_prompts(split="test")][:n]


def read_adversarial(path: str | None) -> list[str]:
    """Adversarial prompts: JSONL with a 'prompt' field, or text with one prompt per line; each prompt once
    (attack files hold several edited completions of the same prompt)."""
    if path is None:
        return []
    if path.endswith(".jsonl"):
        prompts = [p.prompt for p in load_prompts(path, split=None)]
    else:
        prompts = [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(prompts))


def train_arms(methods: list[str], generator_dir: Path, classifier: HFClassifier, out: Path, settings: dict) -> dict[str, Path]:
    """Distil the generator with each method into out/<method>; return their directories."""
    from unscathed.distill.trainer import distill

    dirs = {}
    for method in methods:
        config = DistillConfig.from_dict({**settings, "method": method})
        say(f"distilling with {method}: {config}")
        began = time.perf_counter()
        metadata = distill(generator_dir, classifier, config, out / method, progress=False)
        figures = metadata["figures"]
        samples = config.prompts_per_step * (config.group_size + (1 if method == "sft" else 0))
        say(f"{method}: {figures['steps']} steps in {time.perf_counter() - began:.0f} s "
            f"({figures['steps'] / figures['seconds']:.3f} steps/s, {figures['steps'] * samples / figures['seconds']:.1f} completions/s); "
            f"reward {figures['reward_first']:.3f} -> {figures['reward_last']:.3f}, unsafe {figures['unsafe_rate_first']:.3f} -> {figures['unsafe_rate_last']:.3f}, "
            f"KL last {figures['kl_last']:.3f} (max {figures['kl_max']:.3f})")
        dirs[method] = out / method
    return dirs


def compare_and_report(original: HFGenerator, distilled_dirs: dict[str, Path], classifier: HFClassifier, args: argparse.Namespace, out: Path | None, extra: dict) -> str:
    """Run every arm, print the table, and write table.txt and side_by_side.json into ``out``."""
    distilled = {name: HFGenerator.from_pretrained(d, name=name) for name, d in distilled_dirs.items()}
    prompts = held_out_prompts(args.prompts)
    policy = FilterPolicy(batch_size=args.batch, max_attempts=args.max_attempts)
    torch.manual_seed(args.seed)
    began = time.perf_counter()
    rows = side_by_side(original, distilled, classifier, prompts, args.samples, policy, args.max_new_tokens, args.chunk, read_adversarial(args.adversarial_prompts), log=say)
    header_labels = ""
    if args.labels:
        samples = read_labeled(args.labels)
        unmatched = attach_labeled(rows, labeled_rates(samples))
        if unmatched:
            say(f"{args.labels}: labels for {unmatched} match no generator in the table; left out")
        header_labels = f"; unsafe (labeled): {len(samples)} blind human labels of single unfiltered samples ({args.labels})"
    text = table(rows)
    header = (f"{len(prompts)} held-out prompts (seed test split), {args.samples} unfiltered samples each, pure sampling (temperature 1, top_p 1); "
              f"classifier {classifier.version}, threshold {classifier.threshold:.4g}; filter batch {args.batch}, budget {args.max_attempts}; "
              f"evaluation took {time.perf_counter() - began:.0f} s{header_labels}")
    print(header + "\n\n" + text, flush=True)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "table.txt").write_text(header + "\n\n" + text + "\n")
        (out / "side_by_side.json").write_text(json.dumps({"header": header, "distilled": {k: str(v) for k, v in distilled_dirs.items()}, **extra, "rows": as_json(rows)}, indent=2, default=str) + "\n")
    return text


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompts", type=int, default=32, help="held-out prompts (seed test split)")
    parser.add_argument("--samples", type=int, default=4, help="unfiltered samples per prompt per generator")
    parser.add_argument("--batch", type=int, default=4, help="the filter's batch size")
    parser.add_argument("--max-attempts", type=int, default=32, help="the filter's draw budget per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--chunk", type=int, default=8, help="prompts per generator call (memory)")
    parser.add_argument("--adversarial-prompts", help="JSONL ('prompt' field) or text file of adversarial prompts")
    parser.add_argument("--labels", help="labeled.jsonl (prompt, completion, generator, label) from distill_labeled_sample.py: adds 'unsafe (labeled)'")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="directory for table.txt and side_by_side.json (and trained generators with --train)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distilled", action="append", default=[], help="a distilled generator directory (repeatable)")
    parser.add_argument("--train", help="comma-separated methods to distil first (rl,sft), into --out/<method>")
    parser.add_argument("--steps", type=int, default=20, help="distillation steps per method with --train")
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (the machine is shared)")
    add_common_options(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from unscathed.models.defaults import default_generator_dir
    from unscathed.models.loading import load_classifier

    classifier = load_classifier(args.model)
    generator_dir = default_generator_dir()
    dirs = {Path(d).name: Path(d) for d in args.distilled}
    if args.train:
        if not args.out:
            parser.error("--train needs --out")
        dirs.update(train_arms(args.train.split(","), generator_dir, classifier, Path(args.out), {"steps": args.steps}))
    compare_and_report(HFGenerator.default(), dirs, classifier, args, Path(args.out) if args.out else None, {})


if __name__ == "__main__":
    main()
