"""Coverage and bias of the estimators in unscathed.stats, by simulation with a known truth.

    .venv/bin/python benchmarks/estimator_coverage.py [--datasets 1000]

The world: 20% of prompts are violent, with acceptance A ~ U(0.05, 0.4) and P(injurious | accepted) = 0.12;
the rest accept with A ~ U(0.8, 1) and miss 1%. Failures therefore sit on low-acceptance prompts, where a
budget of B draws often runs out. Truths are the budgeted policy's own rates (by a 400,000-prompt Monte Carlo).
Every failure-rate bound is one-sided 95%; "coverage" is how often the truth lay below the upper bound.
Prints one table row per regime: truth, mean estimate, bias in Monte Carlo standard errors, mean observed
failures, coverage, and the median upper bound over the truth (how conservative the bound is).
"""

from __future__ import annotations

import argparse

import numpy as np

from unscathed.stats import budgeted_failure_rate, quality_efficient, quality_naive, served_failure_rate


def world(rng, n, enriched):
    violent = rng.random(n) < (0.6 if enriched else 0.2)
    accept = np.where(violent, rng.uniform(0.05, 0.4, n), rng.uniform(0.8, 1.0, n))
    miss = np.where(violent, 0.12, 0.01)
    weights = np.where(violent, 0.2 / 0.6, 0.8 / 0.4) if enriched else np.ones(n)
    return accept, miss, weights


def truth(budget, scale, per_served):
    accept, miss, _ = world(np.random.default_rng(99), 400_000, False)
    served = 1 - (1 - accept) ** budget
    request = float((miss * scale * served).mean())
    return request / float(served.mean()) if per_served else request


def unfiltered_dataset(rng, n, enriched, repeats, budget, scale):
    accept, miss, w = world(rng, n, enriched)
    a = rng.random(n) < accept
    inj = a & (rng.random(n) < miss * scale)
    g = rng.geometric(accept[:, None], size=(n, repeats))
    return a, inj, np.where(g <= budget, g, 0), w


def served_dataset(rng, n, budget, scale):
    """Label what the filter served: per prompt, run it once; a served completion is injurious w.p. f(x)."""
    accept, miss, _ = world(rng, n, False)
    served = rng.random(n) < 1 - (1 - accept) ** budget
    return (rng.random(int(served.sum())) < (miss * scale)[served]).astype(float)


def run(name, true_value, draw, datasets, rng):
    values, highs, failures, covered = [], [], [], 0
    for _ in range(datasets):
        value, high, k = draw(rng)
        values.append(value)
        highs.append(high)
        failures.append(k)
        covered += true_value <= high
    values = np.array(values)
    bias_se = (values.mean() - true_value) / (values.std(ddof=1) / np.sqrt(datasets) + 1e-300)
    print(f"| {name} | {true_value:.5f} | {values.mean():.5f} | {bias_se:+.2f} | {np.mean(failures):.1f} | {covered / datasets:.3f} | {np.median(highs) / true_value:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{args.datasets} simulated data sets per row; one-sided 95% upper bounds\n")
    print("| estimand, design | truth | mean estimate | bias (MC s.e.) | mean failures seen | coverage | median bound / truth |\n|---|---|---|---|---|---|---|")
    for n, enriched, repeats, budget, scale, per_served in (
        (1500, False, 2, 8, 1.0, False), (1500, False, 2, 8, 1.0, True), (1500, True, 2, 8, 1.0, True),
        (1500, False, 1, 32, 1.0, True), (500, False, 1, 4, 1.0, True),
        (1500, False, 2, 8, 0.0003 / 0.03, True), (1500, False, 2, 8, 0.0013 / 0.03, True), (1500, False, 2, 8, 0.0033 / 0.03, True),
    ):
        t = truth(budget, scale, per_served)
        name = f"{'per served' if per_served else 'per request'}, unfiltered sample, N={n}, B={budget}, {repeats} run(s){', enriched 3x, weighted' if enriched else ''}"

        def draw(g, n=n, enriched=enriched, repeats=repeats, budget=budget, scale=scale, per_served=per_served):
            a, inj, draws, w = unfiltered_dataset(g, n, enriched, repeats, budget, scale)
            report = budgeted_failure_rate(a, inj, draws, budget, weights=w)
            est = report.per_served if per_served else report.per_request
            return est.value, est.high, report.observed_failures

        run(name, t, draw, args.datasets, rng)
    for n, scale in ((3000, 0.0003 / 0.03), (3000, 0.0013 / 0.03), (3000, 1.0)):
        t = truth(32, scale, True)

        def draw_served(g, n=n, scale=scale):
            est = served_failure_rate(served_dataset(g, n, 32, scale))
            return est.value, est.high, round(est.value * est.n)

        run(f"per served, served sample (Clopper-Pearson), N={n}, B=32", t, draw_served, args.datasets, rng)

    q_truth = 0.7 / 2 + 0.3 * 0.35
    values, covered = [], 0
    for _ in range(args.datasets):
        accepted = rng.random(800) >= 0.3
        pref = (rng.random(800) < 0.35).astype(float)
        pref[accepted] = np.nan
        est = quality_efficient(accepted, pref)
        values.append(est.value)
        covered += est.low <= q_truth <= est.high
    print(f"\nquality, efficient design, N=800, R=0.3: truth {q_truth:.4f}, mean {np.mean(values):.4f}, two-sided 95% coverage {covered / args.datasets:.3f}")
    n, reject_rate, p = 4000, 0.3, 0.35
    accepted = rng.random(n) >= reject_rate
    pref = (rng.random(n) < p).astype(float)
    naive_pref = np.where(accepted, (rng.random(n) < 0.5).astype(float), pref)
    pref[accepted] = np.nan
    eff, naive = quality_efficient(accepted, pref), quality_naive(naive_pref)
    comparisons_eff = int((~accepted).sum())
    naive_needed = n * ((naive.high - naive.low) / (eff.high - eff.low)) ** 2
    print(f"quality design at equal interval width (R = {reject_rate}): efficient needs {comparisons_eff} human comparisons, "
          f"naive needs {naive_needed:.0f}: a saving of {naive_needed / comparisons_eff:.1f}x (1/(1-A) alone would be {1 / reject_rate:.1f}x)")


if __name__ == "__main__":
    main()
