import numpy as np

from unscathed.policy_simulation import compare_policies, prompt_population


def conditional_mean_below(a, b, t, grid=20000):
    """E[s | s < t] for s ~ Beta(a, b), by numerical integration (the truth for sequential sampling)."""
    s = (np.arange(grid) + 0.5) / grid * t
    density = s ** (a - 1) * (1 - s) ** (b - 1)
    return float((s * density).sum() / density.sum())


def test_sequential_failure_rate_matches_the_analytic_truth():
    outcomes = {o.name: o for o in compare_policies(n_prompts=3000, threshold=0.3, budget=64, batch_sizes=(), tightenings=(), seed=3)}
    seq = outcomes["sequential"]
    a, b = prompt_population(np.random.default_rng(3), 3000)
    truth = np.mean([conditional_mean_below(ai, bi, 0.3) for ai, bi in zip(a, b)])
    assert seq.accept_share > 0.999
    assert abs(seq.failure_rate - truth) < 4 * np.sqrt(truth * (1 - truth) / 3000)


def test_batched_returns_safer_completions_at_a_higher_draw_cost_and_tightening_trades_acceptance():
    outcomes = {o.name: o for o in compare_policies(n_prompts=3000, threshold=0.3, budget=32, batch_sizes=(8,), tightenings=(0.7,), seed=1)}
    seq, batched, tight = outcomes["sequential"], outcomes["batched(k=8)"], outcomes["tightening(g=0.7)"]
    assert batched.mean_returned_score < seq.mean_returned_score
    assert batched.failure_rate < seq.failure_rate
    assert batched.draws_per_prompt > seq.draws_per_prompt
    assert tight.failure_rate <= seq.failure_rate
    assert tight.accept_share < seq.accept_share
