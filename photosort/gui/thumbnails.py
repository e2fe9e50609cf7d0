"""Face thumbnails: cut from the photos in the background, cached on disk and in memory.

A thumbnail file is named after the photo's content hash and the face box
(:mod:`photosort.gui.thumb_store`, which keeps the folder within a byte
budget), so a changed photo never shows a stale crop and a re-analysed one
finds its crops again. The memory cache is bounded by bytes
(:data:`MEMORY_BYTES`), not by a count of images whose size depends on the
screen's pixel ratio. A photo that cannot be read (missing, corrupt) gets a
placeholder and is not tried again this session. Views
ask :meth:`ThumbnailCache.get` while painting; a miss queues the face and
returns ``None`` (the view paints a placeholder). Worker threads serve the
newest requests first — what the user scrolled to last — and take every
queued face of the same photo along, so one decode yields all of them.
Painting goes first: a cropper starts a photo only once no view has painted a
tile for :data:`QUIET` seconds (or after :data:`MAX_WAIT`), and only the
newest :data:`PENDING_MAX` requests are kept — tiles scrolled past in a fling
are not cut out at all.
:attr:`ThumbnailCache.ready` fires (coalesced) when new thumbnails arrived.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, QTimer, Qt, Signal
from PySide6.QtGui import QImage

from photosort.gui.thumb_store import DiskCache, face_key

THUMB_PX = 256  # stored size: sharp up to 128 logical pixels at 2x
CROP = 1.8  # crop side relative to the face box (media.thumbs.FACE_MARGIN of 0.4 per side)
REPORTED = 20
"""Unreadable photos reported one by one; beyond that they are counted (a library whose
drive is gone would otherwise log one line per face scrolled past)."""
MEMORY_BYTES = 128 * 1024 * 1024
"""Decoded thumbnails kept in memory: 2,000 tiles at 128 px (1× screens), 500 at 256 px
(2×) — several screenfuls either way (a full-HD window shows ~100 tiles) — and a
fixed share of the 1.5 GB the window may use at most."""
PENDING_MAX = 600
"""Requests kept (newest first); older ones are dropped and asked again if painted again.
Six full-HD screenfuls: a fling through 24,000 faces would otherwise leave 24,000
photos to decode after it — minutes of both cores for tiles nobody looks at."""
QUIET = 0.025
"""A cropper waits until no tile was painted for this long. Python threads share one
interpreter lock: croppers running while the GUI thread painted frame after frame put
19–38 of 623 frames of a 24,000-face scroll over 50 ms (worst 161–443 ms; four runs of
``benchmarks/scale_gui.py``), against 0–4 (worst 38–83 ms) with the croppers idle.
Wheel notches come 30–100 ms apart, so thumbnails still arrive between them while the
user scrolls."""
MAX_WAIT = 0.25
"""…but never longer than this: a view that repaints without pause still gets ~4 photos/s."""


@dataclass(frozen=True)
class FaceItem:
    """What it takes to show one face: ids, its photo and its box in original pixels."""

    face_id: int
    photo_id: int
    path: str
    content_hash: str | None
    box: tuple[float, float, float, float]
    photo_size: tuple[int, int] | None = None
    person_id: int | None = None

    @cached_property
    def key(self) -> str:
        return face_key(self.content_hash, self.path, self.box)


class ThumbnailCache(QObject):
    """Memory LRU in front of a disk cache in front of background croppers."""

    ready = Signal()
    failed = Signal(str, str)  # photo path, reason: the first REPORTED photos one by one
    failedMore = Signal(int)  # how many more photos failed since the last report (coalesced)
    _delivered = Signal()

    def __init__(self, folder: str | os.PathLike[str], threads: int | None = None,
                 parent: QObject | None = None, memory_bytes: int = MEMORY_BYTES,
                 disk: DiskCache | None = None) -> None:
        super().__init__(parent)
        threads = threads or default_threads()
        self.folder = Path(folder)
        self.disk = disk or DiskCache(self.folder)
        self.disk.start_maintenance()
        self.memory_bytes = memory_bytes
        self._memory_used = 0
        self._memory: OrderedDict[tuple[str, int], QImage] = OrderedDict()
        self._pending: OrderedDict[tuple[str, int], FaceItem] = OrderedDict()
        self._by_path: dict[str, set[tuple[str, int]]] = {}  # pending keys per photo
        self._inflight: set[tuple[str, int]] = set()
        self._fresh: list[tuple[tuple[str, int], QImage | None, FaceItem, str]] = []
        self._broken: dict[str, str] = {}
        self._lock = threading.Lock()
        self._threads = threads
        self._running = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._pool.setThreadPriority(QThread.Priority.LowPriority)  # painting goes first
        self._delivered.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._notify = QTimer(self, singleShot=True, interval=40)
        self._notify.timeout.connect(self._announce)
        self._kick = QTimer(self, singleShot=True, interval=0)
        self._kick.timeout.connect(self._start_runners)
        self._unreported = 0
        self._painted = 0.0  # time.monotonic() of the last tile asked for while painting

    def get(self, item: FaceItem, px: int) -> QImage | None:
        """The thumbnail at ``px`` pixels if ready; otherwise queue it and return ``None``."""
        self._painted = time.monotonic()
        mkey = (item.key, px)
        image = self._memory.get(mkey)
        if image is not None:
            self._memory.move_to_end(mkey)
            return image
        if item.path not in self._broken:
            self._request(mkey, item)
        return None

    def is_broken(self, item: FaceItem) -> bool:
        return item.path in self._broken

    def forget_queue(self) -> None:
        """Drop requests not started yet (the user left the page that asked)."""
        with self._lock:
            self._pending.clear()
            self._by_path.clear()

    def shutdown(self) -> None:
        self.forget_queue()
        self._pool.waitForDone(5000)

    def file_for(self, item: FaceItem) -> Path:
        return self.disk.file_for(item.key)

    @property
    def memory_used(self) -> int:
        """Bytes of decoded thumbnails held in memory (at most :attr:`memory_bytes`)."""
        return self._memory_used

    # -- worker side ------------------------------------------------------------
    def _request(self, mkey: tuple[str, int], item: FaceItem) -> None:
        with self._lock:
            if mkey in self._inflight:
                return
            self._pending[mkey] = item
            self._pending.move_to_end(mkey)
            self._by_path.setdefault(item.path, set()).add(mkey)
            while len(self._pending) > PENDING_MAX:  # the oldest: scrolled past long ago
                old, stale = self._pending.popitem(last=False)
                keys = self._by_path.get(stale.path)
                if keys is not None:
                    keys.discard(old)
                    if not keys:
                        del self._by_path[stale.path]
        if not self._kick.isActive():  # croppers start once per event-loop turn, not per tile
            self._kick.start()

    def _start_runners(self) -> None:
        with self._lock:
            start = min(self._threads - self._running, len(self._pending))
            self._running += max(0, start)
        for _ in range(start):
            self._pool.start(_Runner(self))

    def pending(self) -> list[FaceItem]:
        """The faces queued and not started yet, oldest first."""
        with self._lock:
            return list(self._pending.values())

    def idle(self) -> bool:
        """Nothing queued, being cut out, or cut out and not yet handed to the views."""
        with self._lock:
            return not self._pending and not self._inflight and not self._fresh

    def _wait_for_quiet(self) -> None:
        """Sleep (on a cropper thread) until no tile was painted for :data:`QUIET` seconds,
        at most :data:`MAX_WAIT`."""
        deadline = time.monotonic() + MAX_WAIT
        while (now := time.monotonic()) < deadline:
            busy = self._painted + QUIET - now
            if busy <= 0:
                return
            time.sleep(min(busy, deadline - now))

    def _take(self) -> list[tuple[tuple[str, int], FaceItem]] | None:
        self._wait_for_quiet()
        with self._lock:
            if not self._pending:
                self._running -= 1
                return None
            mkey, item = self._pending.popitem(last=True)
            batch = [(mkey, item)]
            for key in self._by_path.pop(item.path, ()):  # the photo's other faces ride along
                if key != mkey and key in self._pending:
                    batch.append((key, self._pending.pop(key)))
            self._inflight.update(k for k, _ in batch)
            return batch

    def _work(self, batch: list[tuple[tuple[str, int], FaceItem]]) -> None:
        results = []
        to_crop = []
        for mkey, item in batch:
            data = self.disk.read(item.key)
            image = QImage.fromData(data, "JPG") if data else QImage()
            if image.isNull():
                to_crop.append((mkey, item))
            else:
                results.append((mkey, _scaled(image, mkey[1]), item, ""))
        if to_crop:
            results += self._crop_from_photo(to_crop)
        with self._lock:
            for mkey, *_ in results:
                self._inflight.discard(mkey)
            self._fresh += results
        self._delivered.emit()

    def _crop_from_photo(self, batch: list[tuple[tuple[str, int], FaceItem]]) -> list:
        """Decode the photo once, at the size its smallest face needs, and cut every face."""
        from photosort.core.records import Box
        from photosort.media.decode import load_image
        from photosort.media.errors import ImageError
        from photosort.media.thumbs import make_thumbnail

        try:
            photo = load_image(batch[0][1].path, max_side=_decode_side([i for _, i in batch]))
        except ImageError as exc:
            return [(mkey, None, item, exc.reason) for mkey, item in batch]
        results = []
        for mkey, item in batch:
            try:
                data = make_thumbnail(photo, Box(*item.box), THUMB_PX)
            except ValueError:  # a crop filling the reduced photo can overshoot it by rounding
                data = make_thumbnail(load_image(item.path), Box(*item.box), THUMB_PX)
            image = QImage.fromData(data, "JPG")
            if image.isNull():
                results.append((mkey, None, item, "cannot cut out the face"))
                continue
            self.disk.write(item.key, data)
            results.append((mkey, _scaled(image, mkey[1]), item, ""))
        return results

    # -- GUI side ---------------------------------------------------------------
    def _collect(self) -> None:
        with self._lock:
            fresh, self._fresh = self._fresh, []
        for mkey, image, item, reason in fresh:
            if image is None:
                if item.path not in self._broken:
                    self._broken[item.path] = reason
                    if len(self._broken) <= REPORTED:
                        self.failed.emit(item.path, reason)
                    else:
                        self._unreported += 1
                continue
            old = self._memory.pop(mkey, None)
            if old is not None:
                self._memory_used -= old.sizeInBytes()
            self._memory[mkey] = image
            self._memory_used += image.sizeInBytes()
        while self._memory_used > self.memory_bytes and len(self._memory) > 1:
            _, dropped = self._memory.popitem(last=False)
            self._memory_used -= dropped.sizeInBytes()
        if not self._notify.isActive():
            self._notify.start()


    def _announce(self) -> None:
        if self._unreported:
            count, self._unreported = self._unreported, 0
            self.failedMore.emit(count)
        self.ready.emit()


class _Runner(QRunnable):
    """Drains the cache's queue on a pool thread."""

    def __init__(self, cache: ThumbnailCache) -> None:
        super().__init__()
        self.cache = cache

    def run(self) -> None:
        try:
            while (batch := self.cache._take()) is not None:
                self._serve(batch)
        except RuntimeError:  # the cache was deleted under us (app shutting down)
            return

    def _serve(self, batch) -> None:
        try:
            self.cache._work(batch)
        except RuntimeError:
            raise
        except Exception as exc:  # never let one photo kill the worker
            with self.cache._lock:
                for mkey, item in batch:
                    self.cache._inflight.discard(mkey)
                    self.cache._fresh.append((mkey, None, item, f"thumbnail failed: {exc}"))
            self.cache._delivered.emit()


def default_threads() -> int:
    """Croppers: leave one core to the GUI thread (it paints while they work), at most 4."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _scaled(image: QImage, px: int) -> QImage:
    if image.width() == px:
        return image
    return image.scaled(px, px, Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def _decode_side(items: list[FaceItem]) -> int | None:
    """The smallest decode size that still gives every face a full-size thumbnail."""
    sizes = [item.photo_size for item in items]
    if any(s is None or not s[0] for s in sizes):
        return None
    longest = max(max(s) for s in sizes)
    smallest_crop = min(max(i.box[2] - i.box[0], i.box[3] - i.box[1]) * CROP for i in items)
    if smallest_crop <= 0:
        return None
    return max(THUMB_PX, math.ceil(longest * min(1.0, THUMB_PX / smallest_crop)))
