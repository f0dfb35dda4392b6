"""Time ``unscathed score`` on 250 seed snippets with a cached classifier (the goal: well under a minute).

    .venv/bin/python benchmarks/score_throughput.py [--model DIR] [--n 250]

Runs the real command in a subprocess (model loading included) and prints seconds and snippets/second.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "snippets.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    parser.add_argument("--n", type=int, default=250)
    args = parser.parse_args()
    if args.model is None:
        from unscathed.default_classifier import default_classifier_dir

        args.model = str(default_classifier_dir())
    rows = [json.loads(line) for line in SEED.open()][: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps({"prompt": r["prompt"], "completion": r["completion"]}) + "\n" for r in rows))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "unscathed.cli", "score", "--input", str(src), "--output", str(out), "--model", args.model], check=True)
        seconds = time.perf_counter() - start
    print(f"unscathed score: {len(rows)} snippets in {seconds:.1f} s ({len(rows) / seconds:.1f} snippets/s, model load included)")


if __name__ == "__main__":
    main()
