"""SQLite catalog: one file, numbered migrations, WAL, one writer."""
