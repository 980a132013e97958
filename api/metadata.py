"""Every table of the application, collected for Alembic and the tests."""

from sqlmodel import SQLModel

import engine.tables  # noqa: F401  (registers the engine's tables)

metadata = SQLModel.metadata
