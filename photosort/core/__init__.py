"""Pure-Python domain layer: records, clustering maths, move planning, naming.

Nothing here imports Qt, torch or sqlite3.
"""
