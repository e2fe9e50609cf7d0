"""The face shown for a person who has no chosen cover: the one nearest their average face.

Finding it reads every embedding of the person, so it is computed off the
GUI thread, through a connection of its own, and cached per person under a
key that changes whenever the person's faces do (their count and the sum of
their face ids, both kept by migration 8's triggers). :meth:`CoverCache.request`
is cheap to call on every refresh: people whose key is already cached cost
nothing, and one computation runs at a time (requests meanwhile are merged).
People above :data:`SAMPLE` faces are averaged over every k-th of their faces
(about that many, chosen in SQL, so the rest are never read): the average of
2,000 faces of one person moves by far less than the distance between two of
their faces, and reading 20k embeddings costs 10× the time.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from photosort.gui import memory
from photosort.store.db import Database

SAMPLE = 2000
#: Rows read per fetch (each fetch holds the GIL until it returns).
FETCH = 512
Key = tuple[int, int]  # (faces, sum of face ids)


def medoids(db: Database, people: dict[int, int]) -> dict[int, int | None]:
    """person → the face nearest their average face (a face whose photo is present, when
    they have one), or ``None`` for a person without embeddings. ``people`` maps each
    person to their face count: above :data:`SAMPLE`, every k-th face is read."""
    small = [p for p, n in people.items() if n <= SAMPLE]
    queries = [(" AND fp.person_id IN (SELECT value FROM json_each(?))", (json.dumps(small),))]
    queries += [(" AND fp.person_id = ? AND fp.face_id % ? = 0", (p, -(-n // SAMPLE)))
                for p, n in people.items() if n > SAMPLE]
    groups: dict[int, tuple[list[int], list[bytes], list[bool]]] = {p: ([], [], []) for p in people}
    with db.read() as c:
        for where, args in queries:
            cursor = c.execute(
                "SELECT fp.person_id, f.id, f.embedding, ph.missing_since IS NOT NULL AS gone"
                " FROM face_person fp JOIN faces f ON f.id = fp.face_id"
                " JOIN photos ph ON ph.id = f.photo_id WHERE f.embedding IS NOT NULL" + where, args)
            # A few rows at a time: one fetchall of ~100k rows held the GIL for the whole
            # C call, and the window's scroll frames waited for it (up to ~500 ms).
            while rows := cursor.fetchmany(FETCH):
                for r in rows:
                    ids, vectors, gone = groups[r["person_id"]]
                    ids.append(r["id"])
                    vectors.append(r["embedding"])
                    gone.append(bool(r["gone"]))
    result: dict[int, int | None] = {}
    for person, (ids, vectors, gone) in groups.items():
        if not ids:
            result[person] = None
            continue
        X = np.frombuffer(b"".join(vectors), dtype="<f4").reshape(len(ids), -1)
        distance = ((X - X.mean(axis=0)) ** 2).sum(axis=1)
        missing = np.array(gone)
        if not missing.all():  # a face whose photo is there, so its thumbnail can be made
            distance[missing] = np.inf
        result[person] = ids[int(distance.argmin())]
    return result


class CoverCache(QObject):
    """Cached medoid faces per person; ``ready`` when a background computation added some."""

    ready = Signal()

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self._covers: dict[int, tuple[Key, int | None]] = {}
        self._lock = threading.Lock()
        self._wanted: dict[int, Key] = {}
        self._thread: threading.Thread | None = None
        self.closed = False

    def get(self, person: int, key: Key) -> tuple[bool, int | None]:
        """(known, face): whether the cover for this state of the person is cached, and it."""
        with self._lock:
            cached = self._covers.get(person)
        if cached is not None and cached[0] == key:
            return True, cached[1]
        return False, None

    def put(self, found: dict[int, int | None], keys: dict[int, Key]) -> None:
        with self._lock:
            for person, face in found.items():
                self._covers[person] = (keys[person], face)

    def compute_now(self, db: Database, keys: dict[int, Key]) -> None:
        """Compute on this thread (for a few small people, or a single one on demand)."""
        self.put(medoids(db, {p: k[0] for p, k in keys.items()}), keys)

    def request(self, keys: dict[int, Key]) -> None:
        """Compute these people's covers in the background; ``ready`` follows."""
        with self._lock:
            self._wanted.update(keys)
            if self._thread is not None or self.closed:
                return
            self._thread = threading.Thread(target=self._work, name="covers", daemon=True)
            self._thread.start()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            thread = self._thread
        if thread is not None:
            thread.join(10)

    def _work(self) -> None:
        db = None
        try:
            db = Database(self.db_path)
            while True:
                with self._lock:
                    keys, self._wanted = self._wanted, {}
                    if not keys or self.closed:
                        self._thread = None
                        return
                self.put(medoids(db, {p: k[0] for p, k in keys.items()}), keys)
                memory.release()
                try:
                    self.ready.emit()
                except RuntimeError:  # the window is gone
                    return
        except Exception:  # a closed or vanished catalog: nothing to show
            with self._lock:
                self._thread = None
        finally:
            if db is not None:
                db.close()
