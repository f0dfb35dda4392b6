"""Counts and agreement of a labeling round, for the README: by split and stratum, kappa of blind second
readings, the share of positives labeled unsure, and the weighted injury rate on the random stratum.

    .venv/bin/python scripts/round_report.py data/labeling/round-2
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

from unscathed.stats import cohen_kappa


def main() -> None:
    folder = Path(sys.argv[1])
    rows = [json.loads(line) for line in (folder / "labeled.jsonl").open()]
    out: dict = {"labeled": len(rows), "labelers": len({a["labeler"] for r in rows for a in r["labels"]}), "labels": sum(len(r["labels"]) for r in rows)}
    out["by split"] = dict(collections.Counter(r["split"] for r in rows))
    parts = [("random stratum", [r for r in rows if r.get("in_random")]), ("enriched stratum", [r for r in rows if r.get("in_enriched")]), ("test stratum", [r for r in rows if r.get("in_test")]),
             ("violence-prone prompts", [r for r in rows if r["violence_prone"]]), ("test split", [r for r in rows if r["split"] == "test"]), ("all", rows)]
    parts += [(f"active: {reason}", [r for r in rows if r.get("selection_reason") == reason]) for reason in sorted({r["selection_reason"] for r in rows if "selection_reason" in r})]
    for name, part in parts:
        if not part:
            continue
        pos = [r for r in part if r["label"] == 1]
        out[name] = {"n": len(part), "injurious": len(pos), "rate": len(pos) / max(1, len(part)), "unsure positives": sum(r["unsure"] for r in pos), "unsure share of positives": sum(r["unsure"] for r in pos) / max(1, len(pos))}
    doubled = [r for r in rows if len(r["labels"]) >= 2]
    pairs = [(r["labels"][0]["label"], r["labels"][1]["label"]) for r in doubled]
    out["double-labeled"] = {"n": len(doubled), "test split": sum(r["split"] == "test" for r in doubled), "raw agreement": sum(a == b for a, b in pairs) / max(1, len(pairs)), "cohen kappa": cohen_kappa(pairs), "disagreements": sum(a != b for a, b in pairs), "settled by a third reader": sum(r["consensus"] == "third reader" for r in rows)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
