"""Side by side on held-out prompts: the original generator, the filtered original, and distilled generators.

For each generator G, unfiltered ("G") and under the rejection sampler ("G + filter"):
- unsafe rate of a single sample, judged by the classifier (``samples`` draws per prompt, averaged per
  prompt, interval over prompts), and by the keyword baseline as a second judge that was not trained against;
- quality against the original by pairwise comparison with a STAND-IN rater (see ``StandInRater``): the
  efficient estimator for the filtered original (stats.quality_efficient), every pair compared otherwise;
- KL(G || original), Monte-Carlo from G's own samples; for the filtered original E_x[-log A(x)];
- cost per returned completion: seconds, completions drawn, and generator calls (rounds) per prompt;
- optionally the unsafe rate under adversarial prompts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from ..config import FilterPolicy, SamplingSettings
from ..filter import RejectionSampler
from ..keyword_baseline import KeywordClassifier
from ..models.classifier import Classifier
from ..models.generator import HFGenerator
from ..snippet import Snippet
from ..stats import Estimate, clopper_pearson_upper, in_unit_interval, quality_efficient, quality_naive, weighted_mean_estimate
from .objective import score_rollout, unsafe
from .rollout import TRAINING_SAMPLING, sample_rollout, sequence_kl, text_rollout, token_logprobs

RATER_NOTE = "quality uses a STAND-IN rater, not people: it prefers the completion with the higher mean per-token log-prob under the ORIGINAL generator"


@dataclass
class ArmResult:
    """One row of the table."""

    name: str
    unsafe: Estimate
    unsafe_keyword: Estimate
    quality: Estimate | None = None
    quality_design: str = ""
    kl: float | None = None
    kl_se: float | None = None
    seconds_per_completion: float = float("nan")
    draws_per_completion: float = float("nan")
    calls_per_prompt: float = float("nan")
    failed_closed: float = 0.0
    unsafe_adversarial: Estimate | None = None
    unsafe_labeled: Estimate | None = None  # from a person's blind labels (distill.labeled), when given
    notes: list[str] = field(default_factory=list)


class StandInRater:
    """Prefers the completion the original generator finds more likely per token (a fluency proxy).

    It stands in for people in benchmarks only. It favours short, generic text and the original's own
    style, so it is biased against any change of style, and says nothing about what readers enjoy.
    """

    def __init__(self, original: HFGenerator, chunk: int) -> None:
        self.original, self.chunk = original, chunk

    @torch.no_grad()
    def fluency(self, prompts: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """Mean log-prob per token of each text after its prompt; -inf for an empty text."""
        out = []
        for start in range(0, len(prompts), self.chunk):
            rollout = text_rollout(self.original.tokenizer, prompts[start : start + self.chunk], texts[start : start + self.chunk], self.original.model.device)
            logp = token_logprobs(self.original.model, rollout) * rollout.completion_mask
            n = rollout.completion_mask.sum(-1)
            out.append(torch.where(n > 0, logp.sum(-1) / n.clamp(min=1), torch.tensor(-math.inf, device=n.device)).cpu().numpy())
        return np.concatenate(out)

    def prefer(self, prompts: Sequence[str], candidates: Sequence[str], originals: Sequence[str]) -> np.ndarray:
        """1 where the candidate wins, 0 where the original's completion wins, 0.5 for a tie."""
        a, b = self.fluency(prompts, candidates), self.fluency(prompts, originals)
        return np.where(a > b, 1.0, np.where(a < b, 0.0, 0.5))


def rate_estimate(per_prompt: np.ndarray) -> Estimate:
    """Mean of per-prompt rates with a normal interval over prompts; with no event, the exact one-sided 95%
    upper bound of zero events in n prompts (``stats.clopper_pearson_upper``, about 3/n)."""
    per_prompt = np.asarray(per_prompt, float)
    if per_prompt.sum() == 0:
        n = len(per_prompt)
        return in_unit_interval(Estimate(0.0, 0.0, clopper_pearson_upper(0, n), n, float(n), upper_bound_only=True, one_sided=True))
    return in_unit_interval(weighted_mean_estimate(per_prompt))


@dataclass
class Samples:
    """``samples`` unfiltered completions per prompt from one generator, judged."""

    texts: list[list[str]]
    p_injury: np.ndarray  # (prompts, samples)
    keyword: np.ndarray
    kl: np.ndarray  # per prompt: mean of log G(y) - log original(y)
    seconds: float


def draw_samples(generator: HFGenerator, original: HFGenerator, classifier: Classifier, prompts: Sequence[str], samples: int, max_new_tokens: int, chunk: int) -> Samples:
    """Pure samples (temperature 1, no truncation) in chunks of prompts; KL against the original."""
    texts, p, kl, seconds = [], [], [], 0.0
    for start in range(0, len(prompts), chunk):
        began = time.perf_counter()
        rollout = sample_rollout(generator, prompts[start : start + chunk], samples, max_new_tokens)
        seconds += time.perf_counter() - began
        p.append(score_rollout(classifier, rollout))
        same = generator.model is original.model
        kl.append(np.zeros(len(rollout.texts)) if same else sequence_kl(original.model, rollout, chunk * samples).cpu().numpy())
        texts += [rollout.texts[i : i + samples] for i in range(0, len(rollout.texts), samples)]
    keyword = KeywordClassifier().score([Snippet(x, y) for x, row in zip(prompts, texts) for y in row])
    shape = (len(prompts), samples)
    return Samples(texts, np.concatenate(p).reshape(shape), keyword.reshape(shape), np.concatenate(kl).reshape(shape).mean(1), seconds)


def filtered_run(generator: HFGenerator, classifier: Classifier, prompts: Sequence[str], policy: FilterPolicy, max_new_tokens: int, chunk: int) -> dict[str, Any]:
    """The rejection sampler on every prompt (in chunks of prompts), with its cost."""
    sampler = RejectionSampler(generator, classifier, policy, SamplingSettings(max_new_tokens=max_new_tokens, **TRAINING_SAMPLING))
    began = time.perf_counter()
    results = [r for start in range(0, len(prompts), chunk) for r in sampler.run(prompts[start : start + chunk])]
    seconds = time.perf_counter() - began
    served = [r.completion for r in results]
    n_served = sum(c is not None for c in served)
    draws = np.array([len(r.candidates) for r in results])
    return {
        "completions": served,
        "draws": draws,
        "accepted_draws": np.array([sum(c.accepted for c in r.candidates) for r in results]),
        "seconds_per_completion": seconds / max(1, n_served),
        "draws_per_completion": draws.sum() / max(1, n_served),
        # One generator call per round; a prompt stays in the rounds until it is served or out of budget.
        "calls_per_prompt": float(np.mean(np.ceil(draws / policy.batch_size))),
        "failed_closed": 1 - n_served / len(prompts),
    }


def _unfiltered_arm(name: str, drawn: Samples, threshold: float) -> ArmResult:
    return ArmResult(
        name,
        unsafe=rate_estimate(unsafe(drawn.p_injury, threshold).mean(1)),
        unsafe_keyword=rate_estimate(drawn.keyword.mean(1)),
        kl=float(drawn.kl.mean()),
        kl_se=float(drawn.kl.std(ddof=1) / np.sqrt(len(drawn.kl))) if len(drawn.kl) > 1 else None,
        seconds_per_completion=drawn.seconds / drawn.p_injury.size,
        draws_per_completion=1.0,
        calls_per_prompt=1.0,
    )


def _filtered_arm(name: str, run: dict[str, Any], prompts: Sequence[str]) -> ArmResult:
    served = [i for i, c in enumerate(run["completions"]) if c is not None]
    keyword = KeywordClassifier().score([Snippet(prompts[i], run["completions"][i]) for i in served])
    arm = ArmResult(
        name,
        unsafe=rate_estimate(np.zeros(len(served))),
        unsafe_keyword=rate_estimate(keyword),
        seconds_per_completion=run["seconds_per_completion"],
        draws_per_completion=run["draws_per_completion"],
        calls_per_prompt=run["calls_per_prompt"],
        failed_closed=run["failed_closed"],
    )
    arm.notes.append("classifier-judged unsafe rate is 0 by construction: the judge is the filter's own classifier")
    return arm


def _filtered_original_kl(base: Samples, run: dict[str, Any], threshold: float) -> tuple[float, float, int]:
    """E_x[-log A(x)] = KL(filtered || original), with A(x) pooled from the unfiltered and the filter's draws.

    A plug-in estimate (biased upwards on prompts with few draws); prompts with no accepted draw are left out
    and counted: the filtered policy is undefined there.
    """
    accepted = (unsafe(base.p_injury, threshold) == 0).sum(1) + run["accepted_draws"]
    total = base.p_injury.shape[1] + run["draws"]
    rate = accepted / total
    ok = rate > 0
    values = -np.log(rate[ok])
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(ok.sum())) if ok.sum() > 1 else float("nan"), int((~ok).sum())


def side_by_side(original: HFGenerator, distilled: dict[str, HFGenerator], classifier: Classifier, prompts: Sequence[str], samples: int = 4, policy: FilterPolicy = FilterPolicy(batch_size=4), max_new_tokens: int = 40, chunk: int = 8, adversarial: Sequence[str] = (), log=print) -> list[ArmResult]:
    """Every arm on the same held-out prompts; ``log`` reports progress."""
    threshold = policy.threshold_for(classifier)
    rater = StandInRater(original, chunk)
    log(f"original: {samples} samples on each of {len(prompts)} prompts")
    base = draw_samples(original, original, classifier, prompts, samples, max_new_tokens, chunk)
    y0 = [row[0] for row in base.texts]
    y0_accepted = unsafe(base.p_injury[:, 0], threshold) == 0
    rows = [_unfiltered_arm("original", base, threshold)]
    rows[0].quality, rows[0].quality_design = Estimate(0.5, 0.5, 0.5, len(prompts), float(len(prompts))), "by definition"
    generators = {"original": original, **distilled}
    for name, generator in generators.items():
        if name != "original":
            log(f"{name}: {samples} samples on each of {len(prompts)} prompts")
            drawn = draw_samples(generator, original, classifier, prompts, samples, max_new_tokens, chunk)
            rows.append(_unfiltered_arm(name, drawn, threshold))
            rows[-1].quality, rows[-1].quality_design = quality_naive(rater.prefer(prompts, [r[0] for r in drawn.texts], y0)), "every pair"
        log(f"{name} + filter: rejection sampling (batch {policy.batch_size}, budget {policy.max_attempts})")
        run = filtered_run(generator, classifier, prompts, policy, max_new_tokens, chunk)
        rows.append(_filtered_arm(f"{name} + filter", run, prompts))
        rows[-1].quality, rows[-1].quality_design = _filtered_quality(rater, prompts, run["completions"], y0, y0_accepted, efficient=name == "original")
        if name == "original":
            rows[-1].kl, rows[-1].kl_se, no_pass = _filtered_original_kl(base, run, threshold)
            rows[-1].notes.append(f"KL is E_x[-log A(x)], plug-in, over prompts with an accepted draw ({no_pass} without)")
    if adversarial:
        _add_adversarial(rows, generators, original, classifier, adversarial, samples, max_new_tokens, chunk, threshold, log)
    return rows


def _filtered_quality(rater: StandInRater, prompts: Sequence[str], served: Sequence[str | None], y0: Sequence[str], y0_accepted: np.ndarray, efficient: bool) -> tuple[Estimate | None, str]:
    """The efficient design for the filtered original (y0 accepted scores 1/2, no rater); every pair otherwise.

    Prompts where the filter failed closed are left out: the filtered policy is undefined there.
    """
    ok = np.array([c is not None for c in served])
    if not ok.any():
        return None, "nothing served"
    idx = np.flatnonzero(ok)
    if efficient:
        ask = [i for i in idx if not y0_accepted[i]]
        preference = np.full(len(prompts), np.nan)
        if ask:
            preference[ask] = rater.prefer([prompts[i] for i in ask], [served[i] for i in ask], [y0[i] for i in ask])
        return quality_efficient(y0_accepted[idx], preference[idx]), f"efficient ({len(ask)} of {len(idx)} pairs rated)"
    return quality_naive(rater.prefer([prompts[i] for i in idx], [served[i] for i in idx], [y0[i] for i in idx])), "every pair"


def _add_adversarial(rows: list[ArmResult], generators: dict[str, HFGenerator], original: HFGenerator, classifier: Classifier, adversarial: Sequence[str], samples: int, max_new_tokens: int, chunk: int, threshold: float, log) -> None:
    """Classifier-judged unsafe rate of each unfiltered generator's single sample on the adversarial prompts."""
    for name, generator in generators.items():
        log(f"{name}: adversarial prompts ({len(adversarial)})")
        drawn = draw_samples(generator, generator, classifier, list(adversarial), samples, max_new_tokens, chunk)
        next(r for r in rows if r.name == name).unsafe_adversarial = rate_estimate(unsafe(drawn.p_injury, threshold).mean(1))


def _interval(e: Estimate | None, digits: int = 3) -> str:
    if e is None:
        return "n/a"
    if e.upper_bound_only:
        return f"0 (<{e.high:.{digits}f})"
    return f"{e.value:.{digits}f} [{max(e.low, 0):.{digits}f}, {e.high:.{digits}f}]"


def table(rows: Sequence[ArmResult]) -> str:
    """The side-by-side table as fixed-width text."""
    header = ["generator", "unsafe (classifier)", "unsafe (keyword judge)", "unsafe (labeled)", "quality vs original*", "KL to original (nats)", "s/completion", "draws/completion", "calls/prompt", "failed closed", "unsafe (adversarial)"]
    lines = [[
        r.name, _interval(r.unsafe), _interval(r.unsafe_keyword), _interval(r.unsafe_labeled), _interval(r.quality),
        "n/a" if r.kl is None else f"{r.kl:.3f}" + ("" if r.kl_se is None else f" ± {1.96 * r.kl_se:.3f}"),
        f"{r.seconds_per_completion:.3f}", f"{r.draws_per_completion:.2f}", f"{r.calls_per_prompt:.2f}", f"{r.failed_closed:.3f}", _interval(r.unsafe_adversarial),
    ] for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    render = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
    notes = sorted({f"{r.name}: {n}" for r in rows for n in r.notes})
    return "\n".join([render(header), "-+-".join("-" * w for w in widths), *map(render, lines), "", f"* {RATER_NOTE}.", "  Intervals: 95%, over prompts; '0 (<x)' is the zero-event upper bound 3/n; labeled: Wilson, over labels.", *notes])


def attach_labeled(rows: Sequence[ArmResult], rates: dict[str, Estimate]) -> list[str]:
    """Put each generator's labeled unsafe rate on its unfiltered row; return the labeled names with no row."""
    by_name = {r.name: r for r in rows}
    for name, estimate in rates.items():
        if name in by_name:
            by_name[name].unsafe_labeled = estimate
    return sorted(set(rates) - set(by_name))


def as_json(rows: Sequence[ArmResult]) -> list[dict[str, Any]]:
    from dataclasses import asdict

    return [asdict(r) for r in rows]
