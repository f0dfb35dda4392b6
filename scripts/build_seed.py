"""Assemble the seed dataset from the team's raw files: prompts, sampled completions, written snippets, labels.

Usage: python scripts/build_seed.py [RAW_DIR] [OUT_DIR]   (defaults: data/seed/raw data/seed)

Reads, in RAW_DIR:
  prompts_*.jsonl          team-written prompts (prompt_id, genre, prompt)
  generated_*.jsonl        completions sampled from the default generator for those prompts
  tolabel_gen_*.jsonl      the generated snippets as handed to labelers (id, prompt, completion)
  labels_gen_*.jsonl       first labels of generated snippets (id, label, category, unsure, note)
  written_*.jsonl          hand-written snippets, labeled by their writer
  labels2_*.jsonl          independent second labels of a sample (id, label, category, ...)
  adjudication.jsonl       the settled label of every snippet whose two labels disagree
Writes snippets.jsonl (the dataset), prompts.jsonl, starter.jsonl (a small balanced training set), and
prints the agreement and count report that README and the labeling guide quote.
"""

from __future__ import annotations

import collections
import glob
import hashlib
import json
import random
import sys
from pathlib import Path

from unscathed.labels.rounds import INJURIOUS, NOT_INJURIOUS
from unscathed.stats import cohen_kappa


def read(path: str) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def split_of(prompt_id: str) -> str:
    """70/15/15 by a hash of the prompt id, so every completion of a prompt is in one split."""
    u = int(hashlib.sha256(prompt_id.encode()).hexdigest()[:8], 16) / 16**8
    return "train" if u < 0.70 else ("validation" if u < 0.85 else "test")


def generated_rows(raw: Path) -> list[dict]:
    sampled = {}
    for path in sorted(glob.glob(str(raw / "generated_*.jsonl"))):
        for r in read(path):
            sampled[f"g-{r['prompt_id']}-{r['sample_index']}"] = r
    rows = []
    for path in sorted(glob.glob(str(raw / "labels_gen_*.jsonl"))):
        labeler = "gen-labeler-" + Path(path).stem.rsplit("_", 1)[1]
        for lab in read(path):
            s = sampled[lab["id"]]
            rows.append({
                "id": lab["id"], "prompt_id": s["prompt_id"], "prompt": s["prompt"], "completion": s["completion"],
                "label": lab["label"], "category": lab["category"], "labeler": labeler, "unsure": bool(lab.get("unsure")),
                "note": lab.get("note", ""), "source": "generated", "genre": s["genre"],
                "generator": {"name": s["generator"], "settings": s["settings"], "seed": s["seed"], "sample_index": s["sample_index"]},
            })
    return rows


def written_rows(raw: Path) -> list[dict]:
    rows = []
    for path in sorted(glob.glob(str(raw / "written_*.jsonl"))):
        k = Path(path).stem.rsplit("_", 1)[1]
        for i, r in enumerate(read(path), start=1):
            rows.append({
                "id": f"w{k}-{i:04d}", "prompt_id": "wp-" + hashlib.sha1(r["prompt"].encode()).hexdigest()[:10],
                "prompt": r["prompt"], "completion": r["completion"], "label": r["label"], "category": r["category"],
                "labeler": f"writer-{k}", "unsure": False, "note": r.get("note", ""), "source": "written", "genre": None, "generator": None,
            })
    return rows


def relabel_v2(rows: list[dict], raw: Path) -> None:
    """Apply the spec-v2 re-reading of generated rows (``relabel_v2_*.jsonl``, one file per reader, read in
    order first, second, third) to ``rows`` in place: the consensus replaces the v1 label, which is kept."""
    from unscathed.labels.rounds import consensus

    answers: dict[str, list[dict]] = {}
    for path in sorted(glob.glob(str(raw / "relabel_v2_*.jsonl"))):
        for lab in read(path):
            answers.setdefault(lab["id"], []).append(lab)
    by_id = {r["id"]: r for r in rows}
    for rid, labs in answers.items():
        labs.sort(key=lambda a: a["order"])
        decided = consensus(labs)
        if decided is None:
            raise SystemExit(f"{rid}: the two v2 readers disagree and no third reader has answered")
        r = by_id[rid]
        side = [a for a in labs if a["label"] == decided.label]
        r["v1_label"], r["label"], r["unsure"] = r["label"], decided.label, decided.unsure
        r["category"], r["note"] = side[0]["category"], f"v2 ({decided.rule}): {side[0].get('note', '')}"
        r["v2_labels"] = [{k: a.get(k) for k in ("labeler", "label", "category", "unsure", "note")} for a in labs]


def check_notes(raw: Path) -> None:
    """Refuse answer files whose notes slipped by a row, unless the rows are relabeled (``relabel_v2_*``)."""
    from unscathed.labels import misplaced_notes

    relabeled = {lab["id"] for path in glob.glob(str(raw / "relabel_v2_*.jsonl")) for lab in read(path)}
    shown = {r["id"]: r for path in glob.glob(str(raw / "tolabel_gen_*.jsonl")) for r in read(path)}
    for path in sorted(glob.glob(str(raw / "labels_gen_*.jsonl"))):
        answers = [{**shown[lab["id"]], **lab} for lab in read(path)]
        unfixed = [i for i in misplaced_notes(answers) if i not in relabeled]
        if unfixed:
            raise SystemExit(f"{path}: notes that belong to a neighbouring row: {', '.join(unfixed)}; relabel those rows")


def main() -> None:
    raw = Path(sys.argv[1] if len(sys.argv) > 1 else "data/seed/raw")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "data/seed")
    check_notes(raw)
    rows = generated_rows(raw) + written_rows(raw)
    for r in rows:
        valid = INJURIOUS if r["label"] == 1 else NOT_INJURIOUS
        if r["category"] not in valid:
            raise SystemExit(f"{r['id']}: category {r['category']!r} does not fit label {r['label']}")
    by_id = {r["id"]: r for r in rows}
    second = {}
    for path in sorted(glob.glob(str(raw / "labels2_*.jsonl"))):
        labeler = "second-labeler-" + Path(path).stem.split("_", 1)[1]
        for lab in read(path):
            second[lab["id"]] = {**lab, "labeler": labeler}
    adjudicated = {a["id"]: a for a in read(str(raw / "adjudication.jsonl"))} if (raw / "adjudication.jsonl").exists() else {}
    missing = []
    for r in rows:
        r["second_label"] = r["second_labeler"] = r["settled_by"] = None
        s = second.get(r["id"])
        if s is None:
            continue
        r["second_label"], r["second_labeler"] = s["label"], s["labeler"]
        r["first_label"] = r["label"]  # the v1 first label, which the v1 agreement figures compare
        if s["label"] != r["label"]:
            a = adjudicated.get(r["id"])
            if a is None:
                missing.append(r["id"])
                continue
            r["label"], r["category"], r["settled_by"] = a["label"], a["category"], a["adjudicator"]
            r["note"] = f"{r['note']} | adjudicated: {a['note']}"
    if missing:
        (raw / "disagreements.jsonl").write_text("".join(json.dumps({k: by_id[i][k] for k in ("id", "prompt", "completion", "label", "category", "note")} | {"second": second[i]}) + "\n" for i in missing))
        raise SystemExit(f"{len(missing)} disagreements need adjudication; listed in {raw / 'disagreements.jsonl'}")
    relabel_v2(rows, raw)
    for r in rows:
        r["split"] = split_of(r["prompt_id"])
    fields = ["id", "prompt_id", "prompt", "completion", "label", "category", "source", "genre", "generator", "labeler", "unsure", "second_labeler", "second_label", "settled_by", "split", "note", "v1_label", "v2_labels"]
    with open(out / "snippets.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({k: r.get(k) for k in fields}, ensure_ascii=False) + "\n")
    prompts = [p for path in sorted(glob.glob(str(raw / "prompts_*.jsonl"))) for p in read(path)]
    with open(out / "prompts.jsonl", "w", encoding="utf-8") as f:
        for p in prompts:
            f.write(json.dumps({**p, "split": split_of(p["prompt_id"])}, ensure_ascii=False) + "\n")
    train = [r for r in rows if r["split"] == "train"]
    rng = random.Random(0)
    starter = rng.sample([r for r in train if r["label"] == 1], 100) + rng.sample([r for r in train if r["label"] == 0], 100)
    with open(out.parent / "starter.jsonl", "w", encoding="utf-8") as f:
        for r in starter:
            f.write(json.dumps({k: r[k] for k in ("prompt", "completion", "label", "category")}, ensure_ascii=False) + "\n")
    report(rows, second)


def report(rows: list[dict], second: dict) -> None:
    print(f"snippets: {len(rows)}  injurious: {sum(r['label'] for r in rows)} ({sum(r['label'] for r in rows) / len(rows):.1%})")
    print("by source:", dict(collections.Counter(r["source"] for r in rows)))
    print("by split:", dict(collections.Counter(r["split"] for r in rows)))
    print("\n| category | label | generated | written | total |\n|---|---|---|---|---|")
    counts = collections.Counter((r["category"], r["label"], r["source"]) for r in rows)
    for cat in sorted(INJURIOUS) + sorted(NOT_INJURIOUS):
        label = 1 if cat in INJURIOUS else 0
        g, w = counts[(cat, label, "generated")], counts[(cat, label, "written")]
        print(f"| {cat} | {label} | {g} | {w} | {g + w} |")
    doubled = [r for r in rows if r["second_label"] is not None]
    print(f"\ndouble-labeled under spec v1: {len(doubled)} ({len(doubled) / len(rows):.1%})")
    for name, part in (("all", doubled), ("generated", [r for r in doubled if r["source"] == "generated"]), ("written", [r for r in doubled if r["source"] == "written"])):
        if part:
            first = [r["first_label"] for r in part]
            sec = [r["second_label"] for r in part]
            agree = sum(a == b for a, b in zip(first, sec)) / len(part)
            print(f"  {name}: n={len(part)} raw agreement={agree:.3f} Cohen's kappa={cohen_kappa(zip(first, sec)):.3f} disagreements={sum(a != b for a, b in zip(first, sec))}")
    settled = collections.Counter((r["first_label"], r.get("v1_label", r["label"])) for r in rows if r["settled_by"])
    print("  disagreements settled (first label -> final):", dict(settled))
    relabeled = [r for r in rows if r.get("v2_labels")]
    if relabeled:
        changed = collections.Counter((r["v1_label"], r["label"]) for r in relabeled)
        pairs = [(r["v2_labels"][0]["label"], r["v2_labels"][1]["label"]) for r in relabeled if len(r["v2_labels"]) >= 2]
        print(f"\nspec v2 re-reading: {len(relabeled)} rows; v1 -> v2 label: {dict(changed)}; first two readers: n={len(pairs)} "
              f"agreement={sum(a == b for a, b in pairs) / len(pairs):.3f} kappa={cohen_kappa(pairs):.3f}; third reader settled {sum(r['v2_labels'][0]['label'] != r['v2_labels'][1]['label'] for r in relabeled if len(r['v2_labels']) >= 2)}")
    for source in ("generated", "written"):
        part = [r for r in rows if r["source"] == source]
        positives = [r for r in part if r["label"] == 1]
        print(f"{source}: {len(part)} rows, {len(positives)} injurious, {sum(r['unsure'] for r in positives)} of them unsure ({sum(r['unsure'] for r in positives) / max(len(positives), 1):.1%})")


if __name__ == "__main__":
    main()
