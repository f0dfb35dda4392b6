from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from unscathed.store import open_store
from unscathed.store.schema import Base


def test_migrations_produce_exactly_the_table_models(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    tables = set(inspect(store.engine).get_table_names())
    assert {"generation_requests", "candidates", "snippets", "labels", "alembic_version"} <= tables


def test_migrating_twice_is_a_no_op(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    open_store(url)
    open_store(url).requests()
