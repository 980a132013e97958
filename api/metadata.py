"""Every table of the application, collected for Alembic and the tests."""

from sqlmodel import SQLModel

import api.tables  # noqa: F401  (sessions, API tokens, login attempts)
import cases.field_tables
import cases.obligation_tables
import cases.people_tables
import cases.region_tables
import cases.tables  # noqa: F401  (the domain's tables)
import engine.tables  # noqa: F401  (the engine's tables)
import notifications.tables  # noqa: F401  (inbox, deliveries, preferences, webhooks)

metadata = SQLModel.metadata
