import pytest

from unscathed.config import FilterPolicy, SamplingSettings, TrainConfig


def test_unknown_setting_is_an_error_naming_it():
    with pytest.raises(ValueError, match="temprature"):
        SamplingSettings.from_dict({"temprature": 0.7})


@pytest.mark.parametrize("bad", [{"temperature": -1}, {"top_p": 0}, {"max_new_tokens": 0}])
def test_invalid_sampling_settings_are_refused(bad):
    with pytest.raises(ValueError):
        SamplingSettings.from_dict(bad)


def test_tightening_schedule_multiplies_and_floors():
    policy = FilterPolicy(threshold=0.1, tighten_per_rejection=0.5, min_threshold=0.02)
    assert policy.threshold_after(0.1, 0) == pytest.approx(0.1)
    assert policy.threshold_after(0.1, 2) == pytest.approx(0.025)
    assert policy.threshold_after(0.1, 10) == pytest.approx(0.02)


def test_train_config_from_dict_round_trip():
    """Every field survives asdict -> JSON -> from_dict, including tuples and None."""
    import json
    from dataclasses import asdict, fields

    original = TrainConfig.from_dict({"epochs": 1, "learning_rate": 3e-5, "seed": 7})
    again = TrainConfig.from_dict(json.loads(json.dumps(asdict(original))))
    assert again == original and again.epochs == 1 and again.seed == 7
    assert {f.name for f in fields(TrainConfig)} == set(asdict(again))
