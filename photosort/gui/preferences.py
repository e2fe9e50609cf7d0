"""The app's settings, kept in the catalog's ``settings`` table (keys ``prefs.*``).

Detection settings are part of every photo's analysis fingerprint, so
changing them means the next scan analyses every photo again; the grouping
sensitivity only re-groups faces (names and corrections are kept); the
organize layout changes nothing until the next organize.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from photosort.core import defaults
from photosort.core.planning import DEFAULT_MODE
from photosort.store.db import Database

PREFIX = "prefs."

# Grouping sensitivity, strict → loose, as changes to the tuned defaults ("Balanced"):
# (distance to join a known person, distance to link a stray face, HDBSCAN epsilon).
SENSITIVITY = ((-0.06, -0.10, 0.0), (-0.03, -0.05, 0.0), (0.0, 0.0, 0.0),
               (0.03, 0.05, 0.02), (0.07, 0.10, 0.05))
SENSITIVITY_LABELS = ("Strictest", "Strict", "Balanced", "Loose", "Loosest")
GROUP_POLICY_LABELS = {"copy": "a copy in each person's folder",
                       "together": "one “Together” folder",
                       "largest": "the folder of the largest face"}
UNSORTED_LABELS = {"leave": "leave them where they are", "move": "move them to “Unsorted”"}


@dataclass(frozen=True)
class Preferences:
    """Everything the Settings dialog edits."""

    min_face_size: int = defaults.MIN_FACE_SIZE
    threshold: float = defaults.THRESHOLD
    sensitivity: int = 2
    organize_mode: str = DEFAULT_MODE
    group_photos: str = "copy"
    unsorted: str = "leave"

    @classmethod
    def load(cls, db: Database) -> "Preferences":
        rows = db.query("SELECT key, value FROM settings WHERE key LIKE ?", (PREFIX + "%",))
        stored = {r["key"][len(PREFIX):]: r["value"] for r in rows}
        values = {}
        for f in fields(cls):
            if f.name in stored:
                try:
                    values[f.name] = type(getattr(cls, f.name))(stored[f.name])
                except ValueError:
                    continue  # a hand-edited or older value: keep the default
        return replace(cls(), **values).clamped()

    def save(self, db: Database) -> None:
        with db.transaction() as c:
            c.executemany("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key)"
                          " DO UPDATE SET value = excluded.value",
                          [(PREFIX + k, str(v)) for k, v in asdict(self).items()])

    def clamped(self) -> "Preferences":
        return replace(
            self,
            min_face_size=min(max(self.min_face_size, 10), 400),
            threshold=min(max(self.threshold, 0.5), 0.999),
            sensitivity=min(max(self.sensitivity, 0), len(SENSITIVITY) - 1),
            organize_mode=self.organize_mode if self.organize_mode in ("move", "copy") else DEFAULT_MODE,
            group_photos=self.group_photos if self.group_photos in GROUP_POLICY_LABELS else "copy",
            unsorted=self.unsorted if self.unsorted in UNSORTED_LABELS else "leave")

    def analyze_settings(self):
        """The :class:`~photosort.services.analyze.AnalyzeSettings` for a scan."""
        from photosort.services.analyze import AnalyzeSettings

        return AnalyzeSettings(min_face_size=self.min_face_size, threshold=self.threshold)

    def cluster_settings(self):
        """The :class:`~photosort.services.cluster.ClusterSettings` for grouping."""
        from photosort.services.cluster import ClusterSettings

        tuned = ClusterSettings()
        join, link, epsilon = SENSITIVITY[self.sensitivity]
        return replace(tuned, join_threshold=tuned.join_threshold + join,
                       link_threshold=max(0.0, tuned.link_threshold + link),
                       epsilon=tuned.epsilon + epsilon)

    def needs_reanalysis(self, old: "Preferences") -> bool:
        return (self.min_face_size, self.threshold) != (old.min_face_size, old.threshold)

    def needs_regrouping(self, old: "Preferences") -> bool:
        return self.sensitivity != old.sensitivity
