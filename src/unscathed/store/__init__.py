"""The SQL store: schema, migrations and data access."""

from .db import open_store
from .records import Store

__all__ = ["Store", "open_store"]
