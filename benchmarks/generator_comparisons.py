"""Blind pairwise comparisons, new generator against old, through the project's comparison tooling.

    .venv/bin/python benchmarks/generator_comparisons.py make --key DIR/blind_read_key.jsonl --db sqlite:///DIR/comparisons.db --rater NAME --out DIR/pairs-NAME.jsonl
    .venv/bin/python benchmarks/generator_comparisons.py answer --db sqlite:///DIR/comparisons.db --rater NAME --answers answers.jsonl

``make`` stores one comparison per prompt in the store (``store.comparisons``; the new generator's completion in
the "filtered" slot, the old one's in the "unfiltered" slot, as provenance records), opens a judgment for the
rater, which puts the two in random order as the Compare page does, and writes what the rater sees: id, prompt,
first, second. ``answer`` records the rater's choices (first, second, tie) through ``answer_judgment`` and prints
the share of comparisons the new generator won (ties count one half) with a 95% Wilson interval.
"""

from __future__ import annotations

import argparse
import json
import random

import numpy as np
from sqlalchemy import select

from unscathed.distill.labeled import wilson
from unscathed.store import open_store
from unscathed.store.accounts import create_user, user_by_name
from unscathed.store.comparisons import add_comparison, answer_judgment, comparison
from unscathed.store.rows import take_slot
from unscathed.store.schema import ComparisonJudgmentRecord, ComparisonRecord


def make(args) -> None:
    key = [json.loads(line) for line in open(args.key)]
    by_prompt: dict[str, dict[str, str]] = {}
    for row in key:
        by_prompt.setdefault(row["prompt"], {})["new" if "+lora" in row["generator"] else "old"] = row["completion"]
    store = open_store(args.db)
    with store.session() as session:
        if user_by_name(session, args.rater) is None:
            create_user(session, args.rater, "!", "rater")
        if session.scalar(select(ComparisonRecord.id).limit(1)) is None:
            for prompt, pair in by_prompt.items():
                add_comparison(session, prompt, pair["old"], False, pair["new"], {"purpose": "generator new vs old", "filtered_slot": "new generator", "unfiltered_slot": "old generator"}, judgments_wanted=args.raters)
        user = user_by_name(session, args.rater)
        rng = random.Random(args.seed)
        # The Compare page opens one judgment at a time (next_judgment); a rater reading offline gets all of
        # them at once, each taking its slot and its random order the same way.
        for record in session.scalars(select(ComparisonRecord).where(ComparisonRecord.remaining > 0).order_by(ComparisonRecord.id)):
            if take_slot(session, ComparisonRecord, ComparisonRecord.id, record.id):
                session.add(ComparisonJudgmentRecord(comparison_id=record.id, user_id=user.id, filtered_first=rng.random() < 0.5))
        session.commit()
        with open(args.out, "w") as out:
            for judgment in session.scalars(select(ComparisonJudgmentRecord).where(ComparisonJudgmentRecord.user_id == user.id).order_by(ComparisonJudgmentRecord.id)):
                c = comparison(session, judgment.comparison_id)
                first, second = (c.filtered_completion, c.unfiltered_completion) if judgment.filtered_first else (c.unfiltered_completion, c.filtered_completion)
                out.write(json.dumps({"id": judgment.id, "prompt": c.prompt, "first": first, "second": second}) + "\n")
    print(f"pairs for {args.rater} in {args.out}")


def answer(args) -> None:
    store = open_store(args.db)
    with store.session() as session:
        user = user_by_name(session, args.rater)
        for line in open(args.answers):
            row = json.loads(line)
            answer_judgment(session, int(row["id"]), user.id, row["choice"], None)
        prefs = np.array([j.preference for j in session.query(ComparisonJudgmentRecord).filter_by(user_id=user.id) if j.preference is not None])
    wins = float(prefs.sum())
    est = wilson(int(round(wins)), len(prefs))
    print(json.dumps({"rater": args.rater, "comparisons": len(prefs), "new preferred (ties 1/2)": wins / len(prefs), "wilson_95": [est.low, est.high], "ties": int((prefs == 0.5).sum())}))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    m = sub.add_parser("make")
    m.add_argument("--key", required=True)
    m.add_argument("--db", required=True)
    m.add_argument("--rater", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--raters", type=int, default=2, help="judgments wanted per prompt")
    a = sub.add_parser("answer")
    a.add_argument("--db", required=True)
    a.add_argument("--rater", required=True)
    a.add_argument("--answers", required=True)
    args = parser.parse_args()
    make(args) if args.action == "make" else answer(args)


if __name__ == "__main__":
    main()
