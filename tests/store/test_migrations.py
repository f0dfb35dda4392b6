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
    """Opening an existing store runs no migration again and keeps its rows."""
    url = f"sqlite:///{tmp_path / 'u.db'}"
    first = open_store(url)
    first.queue_for_labeling([{"prompt": "p", "completion": "c", "source": "test"}])
    with first.engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    second = open_store(url)
    with second.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == revision is not None
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert [r["completion"] for r in second.snippets_by_source("test")] == ["c"]
