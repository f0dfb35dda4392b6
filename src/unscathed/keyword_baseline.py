"""A keyword baseline: flag a completion when it contains a word from a fixed injury word list.

It exists so the README can show what the learned classifier adds over the obvious approach.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .snippet import Snippet

INJURY_WORDS = (
    "stab", "stabbed", "stabbing", "shot", "shoot", "shooting", "cut", "cuts", "slash", "slashed", "bleed", "bleeding", "bled", "blood",
    "bloody", "wound", "wounded", "wounds", "injure", "injured", "injury", "hurt", "hurts", "pain", "painful", "bruise", "bruised",
    "broke", "broken", "fracture", "fractured", "burn", "burned", "burnt", "bite", "bit", "bitten", "punch", "punched", "kick", "kicked",
    "beat", "beaten", "kill", "killed", "kills", "dead", "die", "died", "dies", "death", "murder", "murdered", "poison", "poisoned",
    "drown", "drowned", "strangle", "strangled", "choke", "choked", "crush", "crushed", "scream", "screamed", "agony", "scar", "slit",
    "impale", "impaled", "pierce", "pierced", "gash", "fell", "crash", "crashed", "hit", "struck", "slap", "slapped", "suicide", "corpse",
)
_PATTERN = re.compile(r"\b(" + "|".join(INJURY_WORDS) + r")\b", re.IGNORECASE)


class KeywordClassifier:
    """P(injury) is 1.0 when the completion contains a listed word, else 0.0; threshold 0.5."""

    version = "keyword-baseline-v1"
    threshold = 0.5

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return np.array([1.0 if _PATTERN.search(s.completion) else 0.0 for s in snippets])
