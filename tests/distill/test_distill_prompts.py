import json

import numpy as np
import pytest
from planted import training_prompts

from unscathed.distill import PromptPool, load_prompts
from unscathed.distill.prompts import seed_prompts_path
from unscathed.labeled_data import DataError


def test_seed_prompts_train_split_with_violence_flags_from_the_prompt_text():
    rows = [json.loads(line) for line in seed_prompts_path().open()]
    prompts = load_prompts()
    assert len(prompts) == sum(r["split"] == "train" for r in rows)
    flagged = {p.prompt_id for p in prompts if p.violence_prone}
    assert 0 < len(flagged) < len(prompts)
    by_id = {p.prompt_id: p.prompt for p in prompts}
    assert all(any(w in by_id[i].lower() for w in ("kill", "blood", "hit", "cut", "shot", "fell", "broke", "dead", "struck", "crash", "wound", "bit", "scream", "pain", "beat", "burn", "kick", "punch", "stab", "die", "hurt", "bruise", "crush", "death", "slash", "scar", "pierce", "gash", "slap", "choke", "drown", "poison", "murder", "corpse", "agony", "bleed", "bled", "shoot", "injur", "fracture", "impale", "strangle", "slit", "suicide")) for i in flagged)


def test_an_ingest_file_without_split_keeps_every_row(tmp_path):
    path = tmp_path / "windows.jsonl"
    path.write_text("".join(json.dumps({"prompt_id": f"s:{i}", "prompt": f"She walked home {i}."}) + "\n" for i in range(5)))
    assert [p.prompt_id for p in load_prompts(path)] == [f"s:{i}" for i in range(5)]


def test_bad_prompt_files_name_the_problem(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "ok."}) + "\n" + json.dumps({"text": "no prompt"}) + "\n")
    with pytest.raises(DataError, match="bad.jsonl:2"):
        load_prompts(bad)
    with pytest.raises(DataError, match="must be a .jsonl file"):
        load_prompts(tmp_path / "prompts.txt")


def test_violence_prone_prompts_are_drawn_with_their_weight_and_the_weights_are_recorded():
    prompts = training_prompts()
    pool = PromptPool(prompts, violent_weight=3.0)
    violent = np.array([p.violence_prone for p in prompts])
    expected_share = 3 * violent.sum() / (3 * violent.sum() + (~violent).sum())
    draws = [p.violence_prone for step in range(400) for p in pool.batch(seed=0, step=step, size=8)]
    assert abs(np.mean(draws) - expected_share) < 0.03  # 3,200 draws: 4 standard errors
    record = pool.record()
    assert record["share_of_draws_violence_prone"] == pytest.approx(expected_share)
    weights = np.array([p["importance_weight"] for p in record["prompts"]])
    probabilities = np.array([p["proposal_probability"] for p in record["prompts"]])
    assert np.sum(probabilities * weights) == pytest.approx(1.0)  # E_r[D/r] = 1


def test_a_batch_depends_only_on_seed_and_step():
    pool = PromptPool(training_prompts(), violent_weight=2.0)
    assert pool.batch(1, 5, 8) == pool.batch(1, 5, 8)
    assert pool.batch(1, 5, 8) != pool.batch(1, 6, 8)
