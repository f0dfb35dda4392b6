"""Our attack recipes against TextAttack's, in one run, on the same injurious snippets and query budget.

    .venv/bin/python benchmarks/attack_peer.py            # after scripts/setup_textattack.sh

1. Picks ``--n`` injurious snippets of the seed test split that the default classifier flags (seeded sample).
2. Runs TextAttack's offline recipes (DeepWordBug, Pruthi) against that classifier: a subprocess in
   ``.venv-textattack`` (TextAttack needs transformers<5) runs ``benchmarks/textattack_side.py``, which loads
   the same safetensors weights; the scores of the unedited snippets must agree on both sides.
3. Runs our recipes (``unscathed.attack``) on the same snippets with the same budget.
4. Writes every successful edit to ``attack_peer_edits.jsonl`` (a seeded sample of each method marked
   ``to_judge``) and reads a person's verdicts from ``attack_peer_judgements.jsonl``: an edit is a real
   failure only if a person still calls the edited snippet injurious (docs/injury-spec.md). Never judged by rule.
5. Prints the side-by-side table and writes it with the settings to ``attack_peer.md``. After judging,
   ``--report-only`` rebuilds the table from the last run (``attack_peer.json``) and the verdicts.

"queries / success" and "seconds / success" are all queries (and seconds) spent on all snippets, successful
or not, divided by the number of successes: the cost of finding one candidate failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from attack_peer_ours import OUR_RECIPES, run_ours  # noqa: E402
from attack_peer_report import judged_share, read_judgements, summarise, table_markdown, write_edits  # noqa: E402

from unscathed.default_classifier import default_classifier_dir, seed_data_path  # noqa: E402
from unscathed.labeled_data import read_jsonl  # noqa: E402
from unscathed.models.loading import load_classifier  # noqa: E402
from unscathed.snippet import Snippet  # noqa: E402

TEXTATTACK_RECIPES = ("deepwordbug", "pruthi")
RESULTS = ROOT / "benchmarks" / "results"
RUN, EDITS, JUDGEMENTS = RESULTS / "attack_peer.json", RESULTS / "attack_peer_edits.jsonl", RESULTS / "attack_peer_judgements.jsonl"


def select_snippets(classifier, n: int, seed: int) -> list[dict]:
    """``n`` injurious test snippets the classifier flags (P >= threshold), a seeded sample, with their scores."""
    rows = [row for _, row in read_jsonl(seed_data_path(), required=("prompt", "completion", "label")) if row.get("split") == "test" and row["label"] == 1]
    scores = classifier.score([Snippet(r["prompt"], r["completion"]) for r in rows])
    flagged = [{"snippet_id": r["id"], "prompt": r["prompt"], "completion": r["completion"], "p_injury": float(p)} for r, p in zip(rows, scores) if p >= classifier.threshold]
    if len(flagged) < n:
        raise SystemExit(f"only {len(flagged)} injurious test snippets are flagged by the classifier; ask for --n {len(flagged)} or fewer")
    return random.Random(seed).sample(flagged, n)


def run_textattack(python: Path, classifier_dir: Path, threshold: float, snippets: list[dict], budget: int, recipes: list[str], seed: int) -> list[dict]:
    """TextAttack's side in its own interpreter; its log goes to a file beside the results."""
    if not python.exists():
        raise SystemExit(f"{python} is missing: run scripts/setup_textattack.sh first")
    with tempfile.TemporaryDirectory() as tmp:
        given, out = Path(tmp) / "snippets.jsonl", Path(tmp) / "textattack.jsonl"
        given.write_text("".join(json.dumps({k: s[k] for k in ("snippet_id", "prompt", "completion")}) + "\n" for s in snippets))
        env = {**os.environ, "NLTK_DATA": str(ROOT / "benchmarks" / "nltk_data"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        command = [str(python), str(ROOT / "benchmarks" / "textattack_side.py"), "--classifier", str(classifier_dir), "--threshold", repr(threshold),
                   "--snippets", str(given), "--budget", str(budget), "--recipes", ",".join(recipes), "--seed", str(seed), "--out", str(out)]
        with (RESULTS / "attack_peer_textattack.log").open("w") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT, env=env)
        return [json.loads(line) for line in out.read_text().splitlines()]


def check_same_scores(snippets: list[dict], rows: list[dict], tolerance: float = 1e-3) -> float:
    """Largest gap between our score and TextAttack's for the unedited snippets; refuse to compare past ``tolerance``."""
    ours = {s["snippet_id"]: s["p_injury"] for s in snippets}
    gap = max(abs(ours[r["snippet_id"]] - r["p_before"]) for r in rows)
    if gap > tolerance:
        raise SystemExit(f"TextAttack's wrapper scores the unedited snippets up to {gap:.2g} away from ours: the two sides do not attack the same classifier")
    return gap


NOTES = ("Edit budgets: TextAttack's DeepWordBug allows a Levenshtein distance of 30; ours:deepwordbug runs with max_edits=30 "
         "edited words (one character edit each), the comparable budget (its default of 3 is far tighter); ours:hotflip keeps its "
         "default of 3 words (TextAttack's HotFlip allows 2). Queries are counted the same way on both sides: every text sent "
         "for scoring, the unedited one and the word-importance probes included (TextAttack 0.3.11's GoalFunction.get_results "
         "adds the whole list to num_queries before its score cache is consulted: the cache saves compute, not queries).")


def report() -> None:
    """The table from the last run's rows and the verdicts in the judgements file (rerun after judging)."""
    run = json.loads(RUN.read_text())
    summary = summarise(run["rows"], read_judgements(JUDGEMENTS), EDITS)
    table = table_markdown(summary)
    print(table)
    (RESULTS / "attack_peer.md").write_text(f"# Attack peer benchmark\n\n{run['settings']}\n\n{table}\n\n{judged_share(summary)}\n\n{NOTES}\n")
    (RESULTS / "attack_peer_summary.json").write_text(json.dumps(summary, indent=1) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50, help="injurious snippets to attack")
    parser.add_argument("--budget", type=int, default=200, help="classifier queries per snippet, for every method")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ours", default=",".join(OUR_RECIPES), help=f"our recipes, from {', '.join(OUR_RECIPES)}")
    parser.add_argument("--textattack", default=",".join(TEXTATTACK_RECIPES), help="TextAttack recipes")
    parser.add_argument("--judge-sample", type=int, default=20, help="successful edits per method marked for a person to judge")
    parser.add_argument("--textattack-python", type=Path, default=ROOT / ".venv-textattack" / "bin" / "python")
    parser.add_argument("--report-only", action="store_true", help="no attacks: rebuild the table from the last run and the verdicts")
    args = parser.parse_args()
    if args.report_only:
        report()
        return 0
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    classifier = load_classifier(None)
    snippets = select_snippets(classifier, args.n, args.seed)
    print(f"{len(snippets)} flagged injurious test snippets; classifier {classifier.version}, threshold {classifier.threshold:.4g}; budget {args.budget} queries", flush=True)
    peer = run_textattack(args.textattack_python, default_classifier_dir(), classifier.threshold, snippets, args.budget, args.textattack.split(","), args.seed)
    gap = check_same_scores(snippets, peer)
    ours = run_ours(args.ours.split(","), classifier, snippets, args.budget, args.seed)
    rows = peer + ours
    settings = (f"{len(snippets)} injurious seed test snippets flagged by the default classifier ({classifier.version}, threshold "
                f"{classifier.threshold:.4g}); budget {args.budget} queries per snippet; seed {args.seed}; TextAttack scores the unedited "
                f"snippets within {gap:.1e} of ours; whole run {time.perf_counter() - started:.0f} s on {os.cpu_count()} CPU cores.")
    write_edits(EDITS, rows, snippets, args.judge_sample, args.seed)
    RUN.write_text(json.dumps({"settings": settings, "arguments": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1) + "\n")
    report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
