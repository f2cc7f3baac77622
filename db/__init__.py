"""SQLite storage: connection set-up, numbered migrations and narrow per-topic stores."""

from db.database import Database, MigrationError

__all__ = ["Database", "MigrationError"]
