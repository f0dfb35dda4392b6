"""Named attacks. An attack = goal (injury below threshold) + constraints + transformations + search, as
TextAttack composes them. Each recipe's docstring says what the paper does and where this one departs.

Every recipe is a function ``recipe(classifier, config, generator=None, mlm=None) -> Attack``; call
``attack.run(snippet)`` on one injurious snippet, or use ``build_recipe(name, ...)`` with a name from
``RECIPES``. ``generator`` (an ``HFGenerator``) proposes words and bounds fluency; ``mlm`` (a
``MaskedLMProposer``) proposes words for TextFooler/BAE where one is available.

>>> attack = build_recipe("hotflip", classifier, AttackConfig(max_edits=2))  # doctest: +SKIP
>>> result = attack.run(Snippet(prompt, completion)); result.success, result.best.completion  # doctest: +SKIP
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from ..models.classifier import Classifier, HFClassifier
from ..snippet import Snippet
from .config import AttackConfig
from .constraints import Constraint, FluencyBound, MaxEdits, ProtectedWords
from .goal import Candidate, Found, InjuryGoal
from .proposers import GeneratorProposer, MaskedLMProposer, Proposer
from .search import BeamSearch, GradientSearch, GreedySearch
from .transformations import AppendDistractor, CharEdits, Transformation, WordDelete, WordInsert, WordSwap


class Search(Protocol):
    def run(self, goal: InjuryGoal, transformations: Sequence[Transformation], constraints: Sequence[Constraint]) -> Candidate: ...


@dataclass(frozen=True)
class AttackResult:
    """What one attack on one snippet found, and what it cost."""

    recipe: str
    original: Snippet
    original_p: float
    threshold: float
    best: Candidate  # lowest score reached (the original if nothing helped)
    found: tuple[Found, ...]  # candidates below the threshold, in the order found
    queries: int
    seconds: float

    @property
    def success(self) -> bool:
        return bool(self.found)


@dataclass
class Attack:
    """A composed attack, ready to run on one snippet at a time."""

    recipe: str
    classifier: Classifier
    config: AttackConfig
    transformations: list[Transformation]
    constraints: list[Constraint]
    search: Search

    def run(self, snippet: Snippet) -> AttackResult:
        goal = InjuryGoal(self.classifier, snippet, max_queries=self.config.max_queries, max_successes=self.config.max_successes)
        best = self.search.run(goal, self.transformations, self.constraints)
        original_p = float(self.classifier.score([snippet])[0])  # not a query of the attack: known beforehand
        return AttackResult(self.recipe, snippet, original_p, float(goal.threshold), best, tuple(goal.found), goal.queries, goal.seconds)


def _constraints(config: AttackConfig, generator, fluency: bool = True) -> list[Constraint]:
    constraints: list[Constraint] = [MaxEdits(config.max_edits)]
    if config.protected_words:
        constraints.append(ProtectedWords(config.protected_words))
    if fluency and generator is not None and config.max_fluency_drop is not None:
        constraints.append(FluencyBound(generator, config.max_fluency_drop))
    return constraints


def _lm_proposer(generator, mlm: MaskedLMProposer | None, recipe: str) -> Proposer:
    if mlm is not None:
        return mlm
    if generator is None:
        raise ValueError(f"recipe {recipe!r} needs a language model to propose words: a generator or a masked LM")
    return GeneratorProposer(generator)


def hotflip(classifier, config: AttackConfig, generator=None, mlm=None) -> Attack:
    """HotFlip (Ebrahimi et al., 2018): white-box. Each flip's effect on the loss is estimated from the
    gradient with respect to the one-hot input, (e_new - e_old)·grad, and beam search keeps the best flips.

    Departures: flips are whole-word vocabulary tokens, not characters (the paper's word-level variant);
    the gradient is of the injury log-odds, not the loss; the best estimated flips are scored for real
    before one is kept; the beam is ``config.beam_width`` wide; the budget is ``max_edits`` words, and a
    fluency bound under the generator applies when one is given (the paper has none).
    """
    if not isinstance(classifier, HFClassifier):
        raise ValueError("hotflip needs a classifier with input embeddings to differentiate (a fine-tuned encoder: --model DIR from `unscathed train`); the default probe is black-box to it: use deepwordbug, textfooler, bae or distractor")
    search = GradientSearch(classifier, width=config.beam_width, flips=2 * config.candidates, per_word=max(2, config.candidates // 2), max_steps=config.max_edits)
    return Attack("hotflip", classifier, config, [], _constraints(config, generator), search)


def deepwordbug(classifier, config: AttackConfig, generator=None, mlm=None) -> Attack:
    """DeepWordBug (Gao et al., 2018): black-box. Score each word's importance from the model's output
    (Replace-1: the change when the word is removed), then edit the most important words with one of four
    character edits (swap, substitute, delete, insert), greedily, within an edit-distance budget.

    Departures: the budget is ``max_edits`` edited words (one character edit each; an adjacent swap is two in
    Levenshtein terms) rather than the paper's Levenshtein distance of 30, so the defaults do not agree:
    ``max_edits=3`` is far tighter, and ``max_edits=30`` is the comparable budget (the peer benchmark uses
    it); the best of the four edits is kept at each word instead of one chosen in advance; words under three
    letters are not edited (the paper skips stopwords); no fluency bound (typos are the method).
    """
    search = GreedySearch(importance="delete")
    return Attack("deepwordbug", classifier, config, [CharEdits(seed=config.seed, per_kind=2)], _constraints(config, generator, fluency=False), search)


def textfooler(classifier, config: AttackConfig, generator=None, mlm=None) -> Attack:
    """TextFooler (Jin et al., 2020): black-box. Rank words by the score drop when deleted; for each, in
    order, try synonyms (nearest neighbours in counter-fitted embeddings) that keep the part of speech and a
    sentence-encoder similarity, and keep the one that lowers the score most, until the label flips.

    Departures: candidates come from a masked LM when given, else from the generator's next-token
    distribution (no synonym embeddings offline), so they are plausible words rather than synonyms; the
    sentence-encoder and POS checks are replaced by the generator fluency bound; at most ``max_edits`` words.
    Whether the meaning survived is for the human verifier, which is why nothing is labeled automatically.
    """
    swap = WordSwap(_lm_proposer(generator, mlm, "textfooler"), config.candidates)
    return Attack("textfooler", classifier, config, [swap], _constraints(config, generator), GreedySearch(importance="delete"))


def bae(classifier, config: AttackConfig, generator=None, mlm=None) -> Attack:
    """BAE-R/I (Garg & Ramakrishnan, 2020): black-box. Rank tokens by the score drop when deleted; at each,
    mask the token and let BERT-MLM propose a replacement (R) or mask a new slot beside it and propose an
    insertion (I); keep the edit that lowers the score most, filtered by sentence-encoder similarity.

    Departures: a masked LM when given, else the generator's next-token distribution (left context only);
    the similarity filter is the generator fluency bound; insertions go before the word; ``max_edits`` words.
    """
    proposer = _lm_proposer(generator, mlm, "bae")
    transformations: list[Transformation] = [WordSwap(proposer, config.candidates), WordInsert(proposer, config.candidates)]
    return Attack("bae", classifier, config, transformations, _constraints(config, generator), GreedySearch(importance="delete"))


def distractor(classifier, config: AttackConfig, generator=None, mlm=None, texts: Sequence[str] | None = None) -> Attack:
    """Distracting text (after Jia & Liang, 2017, AddAny/AddSent): append sentences that leave the
    original untouched but pull the classifier's attention away, greedily, up to ``max_edits`` sentences.

    Departures: the sentences are not crafted per example but chosen from a pool (by default benign
    completions from the seed dataset's training split); the search keeps the best of the pool each step.
    An appended sentence can change what the snippet means ("... It was only a dream."): the human verifier
    decides whether the result is still injurious.
    """
    pool = list(texts) if texts is not None else benign_seed_sentences(4 * config.candidates, config.seed)
    return Attack("distractor", classifier, config, [AppendDistractor(pool)], _constraints(config, generator), GreedySearch(importance="end", max_steps=config.max_edits))


def saliency_beam(classifier, config: AttackConfig, generator=None, mlm=None) -> Attack:
    """Ours, no paper: beam search over the most salient words (integrated-gradient saliency, as the
    red-team workbench shows it) with every word-level edit: LM substitution, insertion and deletion."""
    proposer = _lm_proposer(generator, mlm, "saliency-beam")
    transformations: list[Transformation] = [WordSwap(proposer, config.candidates), WordInsert(proposer, config.candidates // 2 or 1), WordDelete()]
    search = BeamSearch(width=config.beam_width, positions=config.positions, max_steps=config.max_edits)
    return Attack("saliency-beam", classifier, config, transformations, _constraints(config, generator), search)


def benign_seed_sentences(n: int, seed: int) -> list[str]:
    """``n`` short benign completions from the seed dataset's training split (a distractor pool)."""
    from ..default_classifier import seed_data_path
    from ..labeled_data import load_labeled_jsonl

    rows = [r.completion for r in load_labeled_jsonl(seed_data_path()) if r.split == "train" and r.category == "benign" and len(r.completion) < 90]
    return random.Random(seed).sample(rows, min(n, len(rows)))


RECIPES: dict[str, Callable[..., Attack]] = {
    "hotflip": hotflip,
    "deepwordbug": deepwordbug,
    "textfooler": textfooler,
    "bae": bae,
    "distractor": distractor,
    "saliency-beam": saliency_beam,
}


def build_recipe(name: str, classifier, config: AttackConfig = AttackConfig(), generator=None, mlm: MaskedLMProposer | None = None) -> Attack:
    """The named recipe, composed for ``classifier``."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name](classifier, config, generator=generator, mlm=mlm)
