from conftest import KeywordScorer, ScriptedGenerator

from unscathed.egregious import egregiousness
from unscathed.snippet import Snippet


def test_share_of_continuations_that_carry_the_injury_on():
    generator = ScriptedGenerator(["he bled more", "they went home", "it hurt", "tea was served"])
    results = egregiousness([Snippet("A fight.", "He was hit.")], generator, KeywordScorer(), k=4)
    assert results[0].share_injurious == 0.5
    assert results[0].continuations == ["he bled more", "they went home", "it hurt", "tea was served"]
