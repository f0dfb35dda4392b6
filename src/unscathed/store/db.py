"""Open a store: create the engine and bring the schema up to date with Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from ..config import default_db_url
from .records import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Apply every migration not yet applied to the database at ``url``."""
    command.upgrade(alembic_config(url), "head")


def make_engine(url: str) -> Engine:
    return create_engine(url, future=True)


def open_store(url: str | None = None) -> Store:
    """A store at ``url`` (default: ``$UNSCATHED_DB`` or ``sqlite:///unscathed.db``), migrated to head."""
    url = url or default_db_url()
    migrate(url)
    return Store(make_engine(url))
