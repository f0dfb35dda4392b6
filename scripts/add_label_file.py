"""Add one labeler's answer file to a labeling round, stamped with who answered, in which order, and when.

    .venv/bin/python scripts/add_label_file.py ANSWERS.jsonl --round-dir data/labeling/round-2 --labeler gen-r2-003 --order 1

ANSWERS holds one line per snippet as the labeler wrote it: id, label, category, unsure, note. ``--order`` says
whether this is the snippet's first, second (blind to the first) or third (settling) reading. ``labeled_at`` is
the time the labeler finished the file (its modification time) unless the lines carry their own. The result is
checked by ``unscathed labels build`` (ids, label/category fit, unsure only on 1, notes on the right row).
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from unscathed.labeled_data import read_jsonl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("answers")
    parser.add_argument("--round-dir", required=True)
    parser.add_argument("--labeler", required=True)
    parser.add_argument("--order", type=int, choices=(1, 2, 3), required=True)
    args = parser.parse_args()
    finished = datetime.fromtimestamp(os.path.getmtime(args.answers), timezone.utc).isoformat(timespec="seconds")
    rows = [row for _, row in read_jsonl(args.answers, required=("id", "label", "category", "unsure"))]
    target = Path(args.round_dir) / "labels" / f"{args.labeler}.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise SystemExit(f"{target} exists: one file per labeler")
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            stamped = {"id": row["id"], "label": row["label"], "category": row["category"], "unsure": bool(row["unsure"]), "note": row.get("note", ""),
                       "labeler": args.labeler, "order": args.order, "labeled_at": row.get("labeled_at", finished)}
            out.write(json.dumps(stamped, ensure_ascii=False) + "\n")
    print(f"{len(rows)} answers of {args.labeler} (reading {args.order}) in {target}")


if __name__ == "__main__":
    main()
