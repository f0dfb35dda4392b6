"""Label quality: checks on labelers' answer files."""

from .note_check import misplaced_notes

__all__ = ["misplaced_notes"]
