"""The default detection settings, written in this one place.

:class:`photosort.services.analyze.AnalyzeSettings`, the GUI's
``Preferences`` and the CLI's options all take their defaults from here
(a module with no imports, so ``photosort --help`` stays instant).
"""

MIN_FACE_SIZE = 20
"""Smallest face, in pixels of the working image, that the detector reports."""
THRESHOLD = 0.9
"""MTCNN's face probability threshold (its last stage)."""
MAX_SIDE = 1024
"""Longest side of the working image faces are detected in."""
