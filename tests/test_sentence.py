from unscathed.sentence import cut_first_sentence, first_sentence_end


def test_first_sentence_stops_at_terminator_followed_by_space():
    assert cut_first_sentence(" He ran. Then he fell.", finished=False) == ("He ran.", True)


def test_unfinished_sentence_is_reported():
    assert cut_first_sentence(" He ran towards the", finished=False) == ("He ran towards the", False)


def test_terminator_at_end_counts_only_when_generation_finished():
    assert first_sentence_end("He ran.") is None
    assert cut_first_sentence("He ran.", finished=True) == ("He ran.", True)


def test_closing_quote_stays_with_sentence():
    assert cut_first_sentence(' "Run!" she said. Then', finished=False)[0] == '"Run!"'


def test_abbreviation_is_not_a_sentence_end():
    assert cut_first_sentence(" Mr. Holmes smiled. Watson", finished=False)[0] == "Mr. Holmes smiled."


def test_newline_ends_completion_but_leading_newline_does_not():
    assert cut_first_sentence("\nShe waited\nand then", finished=False)[0] == "She waited"
