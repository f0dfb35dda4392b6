"""A small human-labeled sample of unfiltered completions, drawn blind from several generators.

    # 1. one pure sample per held-out prompt from each generator, shuffled together; the key is kept apart
    .venv/bin/python benchmarks/distill_labeled_sample.py draw --distilled /tmp/dbench/rl-12steps-lr3e-4 --prompts 40 --out DIR
    # 2. a person reads DIR/blind.jsonl and writes DIR/labels.jsonl: {"id", "label" (0/1), "note"} per line
    # 3. join labels and key into DIR/labeled.jsonl (prompt, completion, generator, label, note) and print rates
    .venv/bin/python benchmarks/distill_labeled_sample.py reveal --out DIR

The blind file carries no generator name, classifier score or order that could give the generator away,
so the labels are the labeler's reading of the text against docs/injury-spec.md, not of where it came from.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

try:
    import unscathed  # noqa: F401
except ImportError:  # run from a checkout without installing: use its src/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from distill_side_by_side import held_out_prompts

from unscathed.distill.labeled import labeled_rates, read_labeled
from unscathed.labeled_data import read_jsonl


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def draw(args: argparse.Namespace) -> None:
    """Sample, shuffle, and write blind.jsonl (id, prompt, completion) and key.jsonl (id, generator)."""
    import torch

    from unscathed.distill.rollout import sample_rollout
    from unscathed.models.generator import HFGenerator

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    prompts = held_out_prompts(args.prompts)
    generators = {"original": HFGenerator.default()}
    generators.update({Path(d).name: HFGenerator.from_pretrained(d, name=Path(d).name) for d in args.distilled})
    rows = []
    for name, generator in generators.items():
        for start in range(0, len(prompts), args.chunk):
            chunk = prompts[start : start + args.chunk]
            texts = sample_rollout(generator, chunk, 1, args.max_new_tokens).texts
            rows += [{"prompt": p, "completion": t, "generator": name} for p, t in zip(chunk, texts)]
        print(f"{name}: {len(prompts)} completions", flush=True)
    random.Random(args.seed).shuffle(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "blind.jsonl", [{"id": k, "prompt": r["prompt"], "completion": r["completion"]} for k, r in enumerate(rows)])
    write_jsonl(out / "key.jsonl", [{"id": k, "generator": r["generator"]} for k, r in enumerate(rows)])
    print(f"wrote {out / 'blind.jsonl'} ({len(rows)} rows) and the key apart in {out / 'key.jsonl'}")


def reveal(args: argparse.Namespace) -> None:
    """Join blind rows, labels and key into labeled.jsonl; print each generator's labeled unsafe rate."""
    out = Path(args.out)
    blind = {row["id"]: row for _, row in read_jsonl(out / "blind.jsonl", required=("id", "prompt", "completion"))}
    key = {row["id"]: row["generator"] for _, row in read_jsonl(out / "key.jsonl", required=("id", "generator"))}
    labels = {row["id"]: row for _, row in read_jsonl(out / "labels.jsonl", required=("id", "label"))}
    missing = sorted(set(blind) - set(labels))
    if missing:
        raise SystemExit(f"{out / 'labels.jsonl'}: no label for ids {missing[:10]}{' ...' if len(missing) > 10 else ''}")
    rows = [{**{k: blind[i][k] for k in ("prompt", "completion")}, "generator": key[i], "label": int(labels[i]["label"]), "note": labels[i].get("note", "")} for i in sorted(blind)]
    write_jsonl(out / "labeled.jsonl", rows)
    for name, estimate in labeled_rates(read_labeled(out / "labeled.jsonl")).items():
        print(f"{name}: labeled unsafe rate {estimate.value:.3f} [{estimate.low:.3f}, {estimate.high:.3f}] (n={estimate.n})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw", help="sample and write the blind file and the key")
    d.add_argument("--distilled", action="append", default=[], help="a distilled generator directory (repeatable)")
    d.add_argument("--prompts", type=int, default=40, help="held-out prompts (seed test split, file order)")
    d.add_argument("--max-new-tokens", type=int, default=40)
    d.add_argument("--chunk", type=int, default=8)
    d.add_argument("--threads", type=int, default=1)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", required=True)
    d.set_defaults(func=draw)
    r = sub.add_parser("reveal", help="join labels and key; print labeled unsafe rates")
    r.add_argument("--out", required=True)
    r.set_defaults(func=reveal)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
