"""Reconcile the files a scan finds with the catalog, losing nothing the user did.

For each discovered file (compared by :func:`~photosort.core.paths.path_key`,
so ``C:\\Photos\\a.jpg`` and ``c:\\photos\\A.JPG`` are one photo on Windows):

* known and unchanged (size and mtime): nothing to do; a photo that was
  missing and is back at its path is simply present again, faces and all;
* known with other size or mtime: the content hash decides whether it
  really changed (then it is analyzed again);
* unknown, with the content of a catalog photo whose old path is gone and
  whose scanned folder (volume) is present: that photo moved here and keeps
  its faces, names and corrections. A photo on an unplugged drive never
  "moves" to a copy of itself elsewhere;
* otherwise new.

A catalog photo not found under a scanned folder is marked *missing*, never
deleted: its faces and every user decision stay until the user explicitly
forgets missing photos. Photos below a folder the scan could not read are
left as they are.
"""

from __future__ import annotations

import os
from typing import Callable

from photosort.core.paths import key_under, path_key
from photosort.core.records import PhotoRecord
from photosort.store.catalog import PhotoStore


class CatalogSync:
    """The reconciliation state of one scan over ``roots`` (absolute paths)."""

    def __init__(self, store: PhotoStore, roots: list[str]) -> None:
        self.store = store
        self.root_keys = [path_key(r) for r in roots]
        self.known: dict[str, PhotoRecord] = store.all_photos()
        self.catalog_roots = {path_key(r["path"]): r["path"]
                              for r in store.db.query("SELECT path FROM roots")}
        self.seen: set[str] = set()
        self.unreadable: list[str] = []
        self.counts = {"new": 0, "unchanged": 0, "changed": 0, "moved": 0, "returned": 0}

    def saw(self, path: str) -> str:
        """Note that discovery found ``path`` (even if it cannot be read); its key."""
        key = path_key(path)
        self.seen.add(key)
        return key

    def could_not_read(self, path: str) -> None:
        """Discovery could not read this file or folder: what is below it is not missing."""
        self.unreadable.append(path_key(os.path.abspath(path)))

    def file(self, path: str, st: os.stat_result, content_hash: Callable[[str], str],
             key: str | None = None) -> None:
        """Reconcile one found file (``key``: its path key, if :meth:`saw` gave it already)."""
        key = path_key(path) if key is None else key
        record = self.known.get(key)
        if record is not None:
            self._known(record, path, st, content_hash)
            return
        digest = content_hash(path)
        twin = self._moved_here(digest, key)
        if twin is not None:
            self.store.relocate(twin.id, path, st.st_size, st.st_mtime_ns)
            self.known.pop(path_key(twin.path), None)
            self.counts["moved"] += 1
            return
        self.store.add(path, st.st_size, st.st_mtime_ns, digest)
        self.counts["new"] += 1

    def _known(self, record: PhotoRecord, path: str, st: os.stat_result,
               content_hash: Callable[[str], str]) -> None:
        same_stat = record.size == st.st_size and record.mtime_ns == st.st_mtime_ns
        if same_stat:
            if record.missing:
                self.store.touch(record.id, st.st_size, st.st_mtime_ns)
                self.counts["returned"] += 1
            else:
                self.counts["unchanged"] += 1
            return
        if record.status == "error":  # a failed photo is retried once its size or time changes
            self.store.reset(record.id, st.st_size, st.st_mtime_ns, content_hash(path))
            self.counts["changed"] += 1
            return
        digest = content_hash(path)
        if digest == record.content_hash:
            self.store.touch(record.id, st.st_size, st.st_mtime_ns)
            self.counts["returned" if record.missing else "unchanged"] += 1
        else:
            self.store.reset(record.id, st.st_size, st.st_mtime_ns, digest)
            self.counts["changed"] += 1

    def _moved_here(self, digest: str, key: str) -> PhotoRecord | None:
        """The catalog photo with these bytes whose old path is gone on a present volume."""
        for twin in self.store.by_hash(digest):
            twin_key = path_key(twin.path)
            if twin_key == key or twin_key in self.seen or os.path.lexists(twin.path):
                continue
            if self._volume_present(twin.path, twin_key):
                return twin
        return None

    def _volume_present(self, path: str, key: str) -> bool:
        """Whether the scanned folder holding ``path`` is there (else its drive may be unplugged)."""
        roots = [spelled for root_key, spelled in self.catalog_roots.items() if key_under(key, root_key)]
        if roots:
            return any(os.path.isdir(r) for r in roots)
        return os.path.isdir(os.path.dirname(path))

    def mark_gone(self) -> int:
        """Flag as missing the known photos under the scanned roots that were not found."""
        gone = [record.id for key, record in self.known.items()
                if not record.missing and key not in self.seen
                and any(key_under(key, root) for root in self.root_keys)
                and not any(key_under(key, bad) for bad in self.unreadable)
                and not os.path.lexists(record.path)]
        return self.store.mark_missing(gone)
