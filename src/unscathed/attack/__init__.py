"""Adversarial search against the injury classifier: saliency, substitution ranking, recipes and rounds."""

from .saliency import Substitution, TokenSaliency, rank_substitutions, token_saliency

__all__ = ["Substitution", "TokenSaliency", "rank_substitutions", "token_saliency"]
