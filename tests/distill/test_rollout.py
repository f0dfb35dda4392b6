import pytest
import torch

from unscathed.distill.rollout import sample_rollout, sequence_kl, token_logprobs
from unscathed.models.generator import HFGenerator

pytestmark = pytest.mark.usefixtures("one_thread")

PROMPTS = ["the knight saw the sky.", "a door"]


def test_the_mask_covers_exactly_the_returned_completion(tiny_generator_dir):
    generator = HFGenerator.from_pretrained(tiny_generator_dir)
    torch.manual_seed(0)
    rollout = sample_rollout(generator, PROMPTS, n=6, max_new_tokens=16)
    assert rollout.input_ids.shape[0] == 12 and len(rollout.texts) == 12
    assert rollout.row_prompts()[5] == PROMPTS[0] and rollout.row_prompts()[6] == PROMPTS[1]
    for i, text in enumerate(rollout.texts):
        ids = rollout.input_ids[i, rollout.prompt_length :][rollout.completion_mask[i].bool()]
        assert generator.tokenizer.decode(ids, skip_special_tokens=True).strip() == text
    assert rollout.completion_mask.sum() > 0


def test_forward_logprobs_match_the_sampling_distribution(tiny_generator_dir):
    """Left padding and position ids line up: the training forward pass scores what generation sampled."""
    generator = HFGenerator.from_pretrained(tiny_generator_dir)
    torch.manual_seed(1)
    rollout = sample_rollout(generator, PROMPTS, n=4, max_new_tokens=12)
    with torch.no_grad():
        scored = token_logprobs(generator.model, rollout)
    mask = rollout.completion_mask.bool()
    assert scored.shape == rollout.sampling_logprobs.shape
    assert torch.allclose(scored[mask], rollout.sampling_logprobs[mask], atol=1e-4)


def test_kl_of_a_model_to_itself_is_zero(tiny_generator_dir):
    generator = HFGenerator.from_pretrained(tiny_generator_dir)
    torch.manual_seed(2)
    rollout = sample_rollout(generator, PROMPTS, n=3, max_new_tokens=10)
    assert torch.allclose(sequence_kl(generator.model, rollout, micro_batch_size=4), torch.zeros(6), atol=1e-4)
