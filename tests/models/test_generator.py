import pytest
import torch

from unscathed.config import SamplingSettings
from unscathed.models.generator import HFGenerator


@pytest.fixture
def generator(tiny_generator_dir):
    return HFGenerator.from_pretrained(tiny_generator_dir)


def test_samples_n_completions_per_prompt_with_logprobs(generator):
    torch.manual_seed(0)
    out = generator.sample(["Once upon a time.", "The knight drew"], 3, SamplingSettings(max_new_tokens=12, one_sentence=False))
    assert [len(row) for row in out] == [3, 3]
    for row in out:
        for c in row:
            assert c.token_logprobs is not None and all(lp <= 0 for lp in c.token_logprobs)
            assert c.finish_reason in ("stop", "length")


def test_one_sentence_mode_returns_at_most_one_sentence(generator):
    torch.manual_seed(1)
    out = generator.sample(["A tale."], 8, SamplingSettings(max_new_tokens=30, temperature=1.0, top_p=1.0))
    from unscathed.sentence import first_sentence_end

    for c in out[0]:
        end = first_sentence_end(c.text + " ")
        assert end is None or end >= len(c.text.rstrip())


def test_greedy_is_deterministic(generator):
    settings = SamplingSettings(temperature=0, max_new_tokens=8, one_sentence=False)
    a = generator.sample(["abc"], 2, settings)[0]
    assert a[0].text == a[1].text


def test_long_prompt_is_cut_from_the_left_with_a_warning(generator, caplog):
    prompt = "x" * 400  # the tiny model has 256 positions
    out = generator.sample([prompt], 1, SamplingSettings(max_new_tokens=5, one_sentence=False))
    assert len(out[0]) == 1
    assert "cut from the left" in caplog.text


def test_invalid_n_is_refused(generator):
    with pytest.raises(ValueError):
        generator.sample(["a"], 0, SamplingSettings())


def test_missing_model_dir_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        HFGenerator.from_pretrained(tmp_path)
