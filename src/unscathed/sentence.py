"""Cut a completion at the end of its first sentence."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (or …) optionally followed by closing quotes/brackets, then whitespace or the end.
# A newline also ends a completion: the generator has moved on to something else.
_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|\n")
_ABBREVIATIONS = ("mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "sr.", "jr.", "vs.", "e.g.", "i.e.")


def first_sentence_end(text: str) -> int | None:
    """Index just past the first sentence end in ``text``, or None if the sentence is not finished yet.

    >>> first_sentence_end(' He ran. Then')
    8
    """
    for match in _END.finditer(text):
        if match.group() == "\n":
            if text[: match.start()].strip():
                return match.start()
            continue
        if text[: match.end()].lower().rstrip().endswith(_ABBREVIATIONS):
            continue
        return match.end()
    return None


def cut_first_sentence(text: str, finished: bool) -> tuple[str, bool]:
    """First sentence of ``text`` and whether a sentence end was found.

    ``finished`` says the text is complete (generation stopped), so an end of text after a terminator counts.
    """
    end = first_sentence_end(text if not finished else text + " ")
    if end is None:
        return text.strip(), False
    return text[:end].strip(), True
