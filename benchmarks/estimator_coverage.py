"""Coverage and bias of every estimator in unscathed.stats, by simulation with a known truth.

    .venv/bin/python benchmarks/estimator_coverage.py [--datasets 1000]

Prints a table: estimator, truth, mean estimate, bias in Monte Carlo standard errors, and how often the
nominal 95% interval covered the truth; then the saving of the efficient quality design at equal width.
"""

from __future__ import annotations

import argparse

import numpy as np

from unscathed.stats import failure_rate, importance_weights, inverse_accept_rate_from_draws, quality_efficient, quality_naive


def failure_dataset(rng, n, enriched, repeats):
    violent = rng.random(n) < (0.6 if enriched else 0.2)
    accept = np.where(violent, rng.uniform(0.2, 0.6, n), rng.uniform(0.8, 1.0, n))
    miss = np.where(violent, 0.12, 0.01)
    a = rng.random(n) < accept
    inj = a & (rng.random(n) < miss)
    inv = inverse_accept_rate_from_draws(rng.geometric(accept[:, None], size=(n, repeats)))
    w = importance_weights(np.where(violent, 0.2, 0.8), np.where(violent, 0.6, 0.4)) if enriched else None
    return a, inj, inv, w


def run(name, truth, draw, datasets, rng):
    values, covered = [], 0
    for _ in range(datasets):
        est = draw(rng)
        values.append(est.value)
        covered += est.low <= truth <= est.high
    values = np.array(values)
    bias_se = (values.mean() - truth) / (values.std(ddof=1) / np.sqrt(datasets))
    print(f"| {name} | {truth:.4f} | {values.mean():.4f} | {bias_se:+.2f} | {covered / datasets:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    true_f = 0.2 * 0.12 + 0.8 * 0.01
    print(f"{args.datasets} simulated data sets per row\n")
    print("| estimator | truth | mean estimate | bias (MC s.e.) | 95% coverage |\n|---|---|---|---|---|")
    for n, enriched, repeats in ((1500, False, 2), (1500, True, 2), (500, False, 1), (3000, True, 1)):
        label = f"failure rate, N={n}, {'proposal r enriched 3x for violence, weighted' if enriched else 'prompts from D'}, {repeats} run(s) for 1/A"
        run(label, true_f, lambda g: _fr(g, n, enriched, repeats), args.datasets, rng)
    q_truth = 0.7 / 2 + 0.3 * 0.35
    run("quality, efficient design, N=800, R=0.3", q_truth, lambda g: _quality(g, 800), args.datasets, rng)

    n, reject_rate, p = 4000, 0.3, 0.35
    accepted = rng.random(n) >= reject_rate
    pref = (rng.random(n) < p).astype(float)
    naive_pref = np.where(accepted, (rng.random(n) < 0.5).astype(float), pref)
    pref[accepted] = np.nan
    eff, naive = quality_efficient(accepted, pref), quality_naive(naive_pref)
    comparisons_eff = int((~accepted).sum())
    naive_needed = n * ((naive.high - naive.low) / (eff.high - eff.low)) ** 2
    print(f"\nquality design at equal interval width (R = {reject_rate}): efficient needs {comparisons_eff} human comparisons, "
          f"naive needs {naive_needed:.0f}: a saving of {naive_needed / comparisons_eff:.1f}x (1/(1-A) alone would be {1 / reject_rate:.1f}x)")


def _fr(rng, n, enriched, repeats):
    a, inj, inv, w = failure_dataset(rng, n, enriched, repeats)
    return failure_rate(a, inj, inv, weights=w).failure_rate


def _quality(rng, n):
    accepted = rng.random(n) >= 0.3
    pref = (rng.random(n) < 0.35).astype(float)
    pref[accepted] = np.nan
    return quality_efficient(accepted, pref)


if __name__ == "__main__":
    main()
