import pytest

from unscathed.cli import main
from unscathed.distill import DistillConfig


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"method": "ppo"}, "method must be one of rl, sft"),
        ({"reward": "log"}, "reward must be one of"),
        ({"group_size": 1}, "group_size must be >= 2"),
        ({"kl_coef": -0.1}, "kl_coef must be >= 0"),
        ({"learning_rate": 0.0}, "learning_rate must be > 0"),
        ({"steps": 0}, "steps must be >= 1"),
        ({"threshold": 1.5}, "threshold must be in (0, 1]"),
        ({"violent_weight": 0.0}, "violent_weight must be > 0"),
        ({"kl_coeff": 0.1}, "unknown DistillConfig setting(s): kl_coeff"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        DistillConfig.from_dict(settings)


def test_the_command_reports_a_bad_setting_as_a_one_line_error(tmp_path, capsys):
    assert main(["distill", "--out", str(tmp_path / "out"), "--method", "ppo"]) == 2
    assert "method must be one of rl, sft, got 'ppo'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
