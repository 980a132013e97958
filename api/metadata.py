"""Every table of the application, collected for Alembic and the tests."""

from sqlmodel import SQLModel

import cases.tables  # noqa: F401  (the domain's tables)
import engine.tables  # noqa: F401  (the engine's tables)

metadata = SQLModel.metadata
