"""Adversarial search against the injury classifier: saliency, substitution ranking, recipes and rounds.

An attack = goal (``goal.py``) + constraints (``constraints.py``) + transformations (``transformations.py``,
``proposers.py``) + search (``search.py``); ``recipes.py`` names published compositions. ``round.py`` runs
adversarial rounds; ``time_to_failure.py`` measures queries per verified failure.
"""

from .config import AttackConfig
from .recipes import RECIPES, Attack, AttackResult, build_recipe
from .saliency import Substitution, TokenSaliency, rank_substitutions, token_saliency

__all__ = ["RECIPES", "Attack", "AttackConfig", "AttackResult", "Substitution", "TokenSaliency", "build_recipe", "rank_substitutions", "token_saliency"]
