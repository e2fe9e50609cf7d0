"""SQLite catalog: one file, numbered migrations, WAL; writers serialised by SQLite."""
