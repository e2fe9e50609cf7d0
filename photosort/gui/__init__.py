"""The desktop app (PySide6): welcome screen, People view, person pages, photo viewer, map."""
