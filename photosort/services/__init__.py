"""Use cases shared by the CLI and the GUI: scan, analyze, cluster, organize, undo."""
