"""Alembic environment: runs migrations against the URL set by ``unscathed.store.db``."""

from alembic import context
from sqlalchemy import create_engine

from unscathed.store.schema import Base

target_metadata = Base.metadata


def run() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
