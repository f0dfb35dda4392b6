"""Settings of the web app: every default in one place, shared by ``unscathed serve`` and ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ..config import StrictConfig, default_db_url
from ..store.labeling import QueuePolicy

REPO_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "labeling-guide.md"


@dataclass(frozen=True)
class WebSettings(StrictConfig):
    db_url: str = field(default_factory=default_db_url, metadata={"help": "SQLAlchemy URL of the store (SQLite file or PostgreSQL)"})
    model: str | None = field(default=None, metadata={"help": "classifier directory; None = the default classifier"})
    generator: str | None = field(default=None, metadata={"help": "generator directory; None = SmolLM2-135M"})
    session_hours: float = field(default=12.0, metadata={"help": "a login lasts this long"})
    filter_completions: bool = field(default=True, metadata={"help": "the completions API returns only completions the filter accepts; False serves plain samples"})
    secure_cookies: bool = field(default=False, metadata={"help": "mark cookies Secure (set when served over HTTPS)"})
    double_label_share: float = field(default=0.2, metadata={"help": "share of queued snippets labeled by two people, for agreement"})
    gold_rate: float = field(default=0.1, metadata={"help": "chance that the next snippet is a gold one with a known answer"})
    assignment_minutes: float = field(default=30.0, metadata={"help": "an unanswered snippet goes back to the queue after this long"})
    max_upload_bytes: int = field(default=5_000_000, metadata={"help": "largest import file accepted"})
    login_free_failures: int = field(default=3, metadata={"help": "failed logins for a name before each next try is delayed"})
    login_base_delay_s: float = field(default=1.0, metadata={"help": "first delay; it doubles with each further failure"})
    login_max_delay_s: float = field(default=300.0, metadata={"help": "longest delay between tries for one name"})
    login_window_minutes: float = field(default=15.0, metadata={"help": "failures older than this are forgotten"})
    redteam_samples: int = field(default=4, metadata={"help": "completions sampled per red-team prompt"})
    substitutions: int = field(default=8, metadata={"help": "replacement candidates shown for a clicked token"})
    guide_path: str = field(default=str(REPO_GUIDE), metadata={"help": "the labeling guide (Markdown) shown on the instructions page"})

    def __post_init__(self) -> None:
        if not 0 <= self.double_label_share <= 1 or not 0 <= self.gold_rate <= 1:
            raise ValueError("double_label_share and gold_rate must be in [0, 1]")
        if self.max_upload_bytes < 1 or self.redteam_samples < 1 or self.substitutions < 1:
            raise ValueError("max_upload_bytes, redteam_samples and substitutions must be >= 1")

    @property
    def queue_policy(self) -> QueuePolicy:
        return QueuePolicy(self.double_label_share, self.gold_rate, timedelta(minutes=self.assignment_minutes))
