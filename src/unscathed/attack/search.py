"""Search methods: which words to perturb, in what order, and which edits to keep.

- ``GreedySearch``: visit words once, most important first, keep the best edit at each if it lowers the score
  (TextFooler, BAE, DeepWordBug). Importance is gradient saliency, or the score drop when the word is
  deleted (black-box, costs one query a word), or "end" for edits that only append.
- ``BeamSearch``: keep the ``width`` best candidates; each step expands each at its most salient words.
- ``GradientSearch``: HotFlip: each step ranks every (word, replacement) pair by the first-order change of
  the injury log-odds, scores only the best few for real, and keeps the ``width`` best.
"""

from __future__ import annotations

from typing import Sequence

from ..models.classifier import HFClassifier
from ..snippet import Snippet
from .constraints import Constraint
from .goal import Candidate, Edit, InjuryGoal
from .proposers import GradientProposer, keep_words
from .saliency import token_saliency
from .transformations import Transformation, WordDelete, shift_span, word_spans

IMPORTANCE = ("gradient", "delete", "end")


def word_importance(goal: InjuryGoal, current: Candidate, method: str) -> list[tuple[int, int]]:
    """Word spans of ``current`` from most to least important to its score."""
    if method not in IMPORTANCE:
        raise ValueError(f"importance must be one of {', '.join(IMPORTANCE)}, got {method!r}")
    text = current.completion
    if method == "end":
        return [(len(text), len(text))]
    spans = word_spans(text)
    if method == "gradient":
        if not isinstance(goal.classifier, HFClassifier):
            raise ValueError("gradient importance needs an HFClassifier; use importance='delete'")
        tokens = token_saliency(goal.classifier, Snippet(goal.snippet.prompt, text))
        weight = [sum(t.saliency for t in tokens if s <= t.start < e) for s, e in spans]
    else:
        deletions = [WordDelete().edits(Snippet(goal.snippet.prompt, text), s, e)[0] for s, e in spans]
        probes = goal.score([d.apply(text) for d in deletions], [(d,) for d in deletions], record=False)
        weight = [current.p_injury - c.p_injury for c in probes] + [float("-inf")] * (len(spans) - len(probes))
    return [span for _, span in sorted(zip(weight, spans), key=lambda pair: -pair[0])]


def allowed_edits(goal: InjuryGoal, current: Candidate, edits: list[Edit], constraints: Sequence[Constraint]) -> list[Edit]:
    """``edits`` that every constraint allows and that change the text, one per resulting text."""
    by_text = {e.apply(current.completion): e for e in edits}
    edits = [e for t, e in by_text.items() if t != current.completion]
    for constraint in constraints:
        if not edits:
            break
        edits = [e for e, ok in zip(edits, constraint.allows(goal.snippet, current, edits)) if ok]
    return edits


def score_edits(goal: InjuryGoal, current: Candidate, edits: list[Edit]) -> list[Candidate]:
    return goal.score([e.apply(current.completion) for e in edits], [current.edits + (e,) for e in edits])


def start(goal: InjuryGoal) -> Candidate:
    """The unedited completion, scored (one query)."""
    return goal.score([goal.snippet.completion], [()], record=False)[0]


class GreedySearch:
    """Visit words once in order of importance; at each keep the best allowed edit if it lowers the score."""

    def __init__(self, importance: str = "gradient", max_steps: int = 50) -> None:
        if importance not in IMPORTANCE:
            raise ValueError(f"importance must be one of {', '.join(IMPORTANCE)}, got {importance!r}")
        self.importance, self.max_steps = importance, max_steps

    def run(self, goal: InjuryGoal, transformations: Sequence[Transformation], constraints: Sequence[Constraint]) -> Candidate:
        current = start(goal)
        spans: list[tuple[int, int] | None] = list(word_importance(goal, current, self.importance))
        if self.importance == "end":
            spans = spans * self.max_steps
        for i in range(min(len(spans), self.max_steps)):
            span = spans[i] if self.importance != "end" else (len(current.completion),) * 2
            if span is None or goal.done:
                continue
            here = Snippet(goal.snippet.prompt, current.completion)
            edits = allowed_edits(goal, current, [e for t in transformations for e in t.edits(here, *span)], constraints)
            scored = score_edits(goal, current, edits)
            best = min(scored, key=lambda c: c.p_injury, default=None)
            if best is not None and best.p_injury < current.p_injury:
                current = best
                spans = [None if s is None else shift_span(s, best.edits[-1]) for s in spans]
            if goal.done:
                break
        return current


class BeamSearch:
    """Keep the ``width`` best candidates; expand each at its ``positions`` most important words."""

    def __init__(self, width: int = 3, positions: int = 4, importance: str = "gradient", max_steps: int = 10) -> None:
        if width < 1 or positions < 1:
            raise ValueError("beam width and positions must be >= 1")
        self.width, self.positions, self.importance, self.max_steps = width, positions, importance, max_steps

    def expand(self, goal: InjuryGoal, current: Candidate, transformations: Sequence[Transformation], constraints: Sequence[Constraint]) -> list[Edit]:
        here = Snippet(goal.snippet.prompt, current.completion)
        spans = word_importance(goal, current, self.importance)[: self.positions]
        return allowed_edits(goal, current, [e for s in spans for t in transformations for e in t.edits(here, *s)], constraints)

    def run(self, goal: InjuryGoal, transformations: Sequence[Transformation], constraints: Sequence[Constraint]) -> Candidate:
        best = start(goal)
        beam = [best]
        for _ in range(self.max_steps):
            pool: dict[str, Candidate] = {}
            for current in beam:
                for c in score_edits(goal, current, self.expand(goal, current, transformations, constraints)):
                    pool.setdefault(c.completion, c)
                if goal.done:
                    break
            if not pool:
                break
            beam = sorted(pool.values(), key=lambda c: c.p_injury)[: self.width]
            if beam[0].p_injury >= best.p_injury or goal.done:
                best = min(best, beam[0], key=lambda c: c.p_injury)
                break
            best = beam[0]
        return best


class GradientSearch(BeamSearch):
    """HotFlip: rank every (word, replacement) pair of a candidate by the first-order change in the injury
    log-odds from the gradient at its input, and score only the ``flips`` best for real."""

    def __init__(self, classifier: HFClassifier, width: int = 1, flips: int = 12, per_word: int = 4, max_steps: int = 10) -> None:
        super().__init__(width=width, positions=1, max_steps=max_steps)
        self.proposer, self.flips, self.per_word = GradientProposer(classifier), flips, per_word

    def expand(self, goal: InjuryGoal, current: Candidate, transformations: Sequence[Transformation], constraints: Sequence[Constraint]) -> list[Edit]:
        here = Snippet(goal.snippet.prompt, current.completion)
        spans = word_spans(current.completion)
        ranked: list[tuple[float, Edit]] = []
        tokenizer = self.proposer.classifier.tokenizer
        for (s, e), (ids, change) in zip(spans, self.proposer.estimated_changes_many(here, spans)):
            head = 20 * self.per_word + 50  # many top tokens are not words; decode a generous head
            words = keep_words(tokenizer.convert_ids_to_tokens(ids[:head].tolist()), current.completion[s:e], self.per_word)
            by_word = {t: float(c) for t, c in zip(tokenizer.convert_ids_to_tokens(ids[:head].tolist()), change[:head])}
            ranked += [(by_word.get(w.lower(), by_word.get(w, 0.0)), Edit("swap", s, e, current.completion[s:e], w)) for w in words]
        ranked.sort(key=lambda pair: pair[0])
        # Constraints (the fluency bound above all) cost time, so only a head of the ranking is checked.
        return allowed_edits(goal, current, [edit for _, edit in ranked[: 3 * self.flips]], constraints)[: self.flips]
