"""Prompt windows from the shared training corpora, referenced rather than copied.

The corpora live beside the repository (``../shared/data/corpora``) and must not be copied into it, so a
labeled snippet on a corpus window stores a reference (file, story id, first sentence, sentence count) and the
SHA-256 of the prompt; ``resolve_prompt`` reads the text back from the corpus and checks the hash.

Splits are by story (a FairytaleQA story or a whole book): the test split holds whole held-out books and
stories, so that no test prompt shares a story with training.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from .finetune_generator.corpus import EVALUATION_ONLY, TRAINING_FILES, corpora_dir
from .ingest import PromptWindow, read_stories, windows

# Whole books held out for testing (the rest of the novels train and validate).
TEST_BOOKS = ("treasure-island", "the-call-of-the-wild")

# Words that make a prompt *violence-prone*: used only to enrich which prompts are sampled (with the
# inclusion probability recorded), never to label anything.
_VIOLENCE_PRONE = re.compile(
    r"\b(kill\w*|slay|slain|slew|blood\w*|wound\w*|stab\w*|shot|shoot\w*|gun\w*|pistol\w*|rifle\w*|musket\w*|sword\w*|knife|knives|dagger\w*|"
    r"blade\w*|spear\w*|arrow\w*|fight\w*|fought|battle\w*|attack\w*|strik\w*|struck|blow\w*|beat\w*|hurt\w*|bite|bit|bitten|fang\w*|claw\w*|"
    r"fell|fall\w*|dead|death|die\w*|dying|murder\w*|enem\w*|war|soldier\w*|fire|fired|burn\w*|drown\w*|wolf|wolves|lion\w*|tiger\w*|beast\w*|"
    r"axe|club|whip\w*|pirate\w*|cannon\w*|duel\w*|rage|fury|savage\w*|throat|leap\w*|sprang|seiz\w*)\b",
    re.IGNORECASE,
)


def violence_prone(prompt: str) -> bool:
    """True when the prompt sets up a scene where violence is plausible (two or more such words)."""
    return len(_VIOLENCE_PRONE.findall(prompt)) >= 2


def split_of_story(source: str, story_id: str) -> str:
    """test for held-out books and ~12% of FairytaleQA stories; else train 85% / validation 15% by story hash."""
    u = int(hashlib.sha256(f"{source}:{story_id}".encode()).hexdigest()[:8], 16) / 16**8
    if story_id in TEST_BOOKS or (source.endswith(".csv") and u < 0.12):
        return "test"
    v = int(hashlib.sha256(f"split:{story_id}".encode()).hexdigest()[:8], 16) / 16**8
    return "validation" if v < 0.15 else "train"


def prompt_sha256(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()


@lru_cache(maxsize=None)
def _stories(path: str) -> dict[str, list[str]]:
    p = Path(path)
    return read_stories(p, "document_id", "text", None)


def training_windows(root: Path | None = None, size: int = 3, stride: int | None = None) -> list[PromptWindow]:
    """Windows of ``size`` sentences in the training corpora, every ``stride`` sentences (default ``size``: no
    overlap; 1: a window at every sentence); ``source`` is the path under root."""
    root = root or corpora_dir()
    out: list[PromptWindow] = []
    for pattern in TRAINING_FILES:
        for path in sorted(root.glob(pattern)):
            if path.name in EVALUATION_ONLY:
                raise ValueError(f"{path} is evaluation-only")
            relative = str(path.relative_to(root))
            for story_id, sentences in _stories(str(path)).items():
                out.extend(windows(story_id, sentences, size, stride or size, relative))
    return out


def evaluation_windows(root: Path | None = None, size: int = 3) -> list[PromptWindow]:
    """Windows of the evaluation-only texts (FairytaleQA test stories, Sherlock Holmes): measure, never train."""
    root = root or corpora_dir()
    out: list[PromptWindow] = []
    for name in EVALUATION_ONLY:
        for story_id, sentences in _stories(str(root / name)).items():
            out.extend(windows(story_id, sentences, size, size, name))
    return out


def resolve_prompt(ref: dict, root: Path | None = None) -> str:
    """The prompt text a reference names (``source``, ``story_id``, ``first_sentence``, ``sentences``, ``sha256``)."""
    root = root or corpora_dir()
    path = root / ref["source"]
    if not path.exists():
        raise FileNotFoundError(f"corpus file {path} not found (set UNSCATHED_CORPORA to the shared corpora folder)")
    sentences = _stories(str(path)).get(ref["story_id"])
    if sentences is None:
        raise ValueError(f"{path} has no story {ref['story_id']!r}")
    start = int(ref["first_sentence"])
    prompt = " ".join(sentences[start : start + int(ref["sentences"])])
    if prompt_sha256(prompt) != ref["sha256"]:
        raise ValueError(f"{path}: story {ref['story_id']!r} sentence {start} no longer matches the labeled prompt (hash differs)")
    return prompt


def reference(window: PromptWindow, size: int = 3) -> dict:
    return {"source": window.source, "story_id": window.story_id, "first_sentence": window.first_sentence, "sentences": size, "sha256": prompt_sha256(window.prompt)}
