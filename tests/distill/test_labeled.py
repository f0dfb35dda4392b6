"""The labeled unsafe rate: reading a person's labels, Wilson intervals, and the table's labeled column."""

import json
import re

import pytest

from unscathed.distill.compare import ArmResult, attach_labeled, table
from unscathed.distill.labeled import labeled_rates, read_labeled, wilson
from unscathed.labeled_data import DataError
from unscathed.stats import Estimate


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_wilson_matches_the_textbook_interval_and_stays_inside_0_1():
    e = wilson(4, 40)
    assert e.value == 0.1 and e.low == pytest.approx(0.0396, abs=1e-4) and e.high == pytest.approx(0.2306, abs=1e-4)
    zero, full = wilson(0, 20), wilson(20, 20)
    assert zero.low == 0 and 0.15 < zero.high < 0.17 and full.high == 1 and 0.83 < full.low < 0.85


def test_rates_are_counted_per_generator(tmp_path):
    rows = [{"prompt": "p", "completion": "c", "generator": g, "label": y} for g, y in [("a", 1), ("a", 0), ("a", 0), ("a", 0), ("b", 0), ("b", 0)]]
    rates = labeled_rates(read_labeled(write(tmp_path / "l.jsonl", rows)))
    assert rates["a"].value == 0.25 and rates["a"].n == 4 and rates["b"].value == 0 and rates["b"].high > 0


@pytest.mark.parametrize("change, words", [({"label": 2}, "'label' must be 0 or 1"), ({"label": True}, "'label' must be 0 or 1"), ({"generator": None}, "missing field(s) generator")])
def test_bad_rows_name_the_file_and_line(tmp_path, change, words):
    good = {"prompt": "p", "completion": "c", "generator": "a", "label": 0}
    bad = {k: v for k, v in {**good, **change}.items() if v is not None}
    with pytest.raises(DataError, match=re.escape(f"l.jsonl:2: {words}")):
        read_labeled(write(tmp_path / "l.jsonl", [good, bad]))


def test_the_table_shows_the_labeled_rate_on_the_matching_row_only():
    zero = Estimate(0.0, 0.0, 0.3, 10, 10.0, upper_bound_only=True)
    rows = [ArmResult("original", zero, zero), ArmResult("original + filter", zero, zero)]
    unmatched = attach_labeled(rows, {"original": wilson(4, 40), "elsewhere": wilson(1, 10)})
    assert unmatched == ["elsewhere"] and rows[1].unsafe_labeled is None
    lines = table(rows).splitlines()
    assert "unsafe (labeled)" in lines[0]
    assert "0.100 [0.040, 0.231]" in lines[2] and "0.040" not in lines[3]
