"""Face thumbnail caches: memory bounded by bytes, disk pruned least recently used, files that
survive a re-analysis, old-scheme files cleaned up, unreadable photos as placeholders."""

from __future__ import annotations

import os
from pathlib import Path

from gui_support import copy_catalog, open_window, scanned_template, wait_thumbnails
from photosort.core.records import Box, DetectedFace
from photosort.gui.library import FACE_SQL, Library, face_item, thumbnail_dir
from photosort.gui.thumb_store import VERSION, DiskCache
from photosort.gui.thumbnails import PENDING_MAX, REPORTED, FaceItem, ThumbnailCache
from photosort.store.catalog import PhotoStore, from_blob


def all_faces(lib: Library) -> list[FaceItem]:
    return [face_item(r) for r in lib.db.query(FACE_SQL + " ORDER BY f.id")]


def wait_all(qtbot, cache: ThumbnailCache, faces: list[FaceItem], px: int) -> None:
    wait_thumbnails(qtbot, cache, faces, px)


def test_memory_cache_holds_at_most_its_byte_budget(qtbot, data_dir, tmp_path):
    template, _ = scanned_template(data_dir)
    lib = Library(copy_catalog(template, tmp_path / "c.sqlite3"))
    try:
        faces = all_faces(lib)
        one = 96 * 96 * 4  # a 96 px ARGB thumbnail
        cache = ThumbnailCache(tmp_path / "thumbs", threads=1, memory_bytes=3 * one)
        for face in faces:  # one at a time, as a user scrolls
            wait_all(qtbot, cache, [face], 96)
            assert cache.memory_used <= 3 * one
        assert cache.memory_used == 3 * one  # full, and no more
        assert all(cache.get(f, 96) is not None for f in faces[-3:])  # the latest stay
        assert cache.get(faces[0], 96) is None  # the oldest went (and is queued again)
        assert cache.file_for(faces[0]).is_file()  # …from the disk cache this time
        cache.shutdown()
    finally:
        lib.close()


def test_disk_cache_prunes_the_least_recently_used_files_to_its_budget(tmp_path):
    disk = DiskCache(tmp_path / "thumbs", budget=10**9)
    disk.check_version()
    keys = [f"{i:02d}" + "a" * 22 for i in range(8)]
    for i, key in enumerate(keys):  # 8 × 2,000 bytes, written a minute apart
        disk.write(key, bytes(2_000))
        os.utime(disk.file_for(key), ns=(10**18 + i * 60 * 10**9,) * 2)
    assert disk.read(keys[0]) == bytes(2_000)  # read now: the most recently used
    disk.budget = 10_000
    freed = disk.prune()
    left = [k for k in keys if disk.file_for(k).is_file()]
    assert sum(disk.file_for(k).stat().st_size for k in left) <= 10_000 * 0.8
    assert freed == (len(keys) - len(left)) * 2_000
    assert keys[0] in left and keys[-1] in left and keys[1] not in left
    disk.write("ff" + "b" * 22, bytes(9_000))  # a write beyond the budget prunes by itself
    total = sum(p.stat().st_size for p in (tmp_path / "thumbs").rglob("*.jpg"))
    assert total <= 10_000


def test_reanalysis_finds_its_thumbnails_again(qtbot, data_dir, tmp_path):
    template, _ = scanned_template(data_dir)
    path = copy_catalog(template, tmp_path / "c.sqlite3")
    window = open_window(qtbot, path, tmp_path)
    lib = window.library
    before = all_faces(lib)
    ratio = window.devicePixelRatioF()
    wait_all(qtbot, lib.thumbnails, before, 128)
    files = {f.face_id: lib.thumbnails.file_for(f) for f in before}
    assert all(p.is_file() for p in files.values())
    store = PhotoStore(lib.db)
    photo = before[0].photo_id
    rows = lib.db.query("SELECT * FROM faces WHERE photo_id = ?", (photo,))
    faces = [DetectedFace(box=_box(r), landmarks=from_blob(r["landmarks"], (5, 2)), score=r["score"])
             for r in rows]
    width, height = before[0].photo_size
    store.save_analysis(photo, width=width, height=height, faces=faces,
                        embeddings=[from_blob(r["embedding"]) for r in rows], model=rows[0]["model"],
                        analyzed_with="re-analysed")
    after = [f for f in all_faces(lib) if f.photo_id == photo]
    assert {f.face_id for f in after}.isdisjoint(files)  # new ids …
    old = [files[f.face_id] for f in before if f.photo_id == photo]
    assert sorted(lib.thumbnails.file_for(f) for f in after) == sorted(old)  # … same files
    count = len(list(thumbnail_dir(path).rglob("*.jpg")))
    lib.thumbnails.forget_queue()
    wait_all(qtbot, lib.thumbnails, after, round(112 * ratio) + 1)  # a size not in memory
    assert len(list(thumbnail_dir(path).rglob("*.jpg"))) == count  # read back, none cut again


def _box(row) -> Box:
    return Box(row["x1"], row["y1"], row["x2"], row["y2"])


def test_files_named_by_an_older_version_are_removed(qtbot, tmp_path):
    folder = tmp_path / "thumbs"
    (folder / "ab").mkdir(parents=True)
    (folder / "ab" / "ab0123456789.jpg").write_bytes(b"old")
    cache = ThumbnailCache(folder, threads=1)
    assert (folder / "VERSION").read_text().strip() == VERSION
    assert not (folder / "ab" / "ab0123456789.jpg").exists()
    qtbot.waitUntil(lambda: not any(p.name.startswith("thumbs.old") for p in tmp_path.iterdir()),
                    timeout=10000)
    cache.shutdown()


def test_unreadable_photos_get_placeholders_and_are_reported_in_bulk(qtbot, tmp_path):
    cache = ThumbnailCache(tmp_path / "thumbs", threads=1)
    reported, more = [], []
    cache.failed.connect(lambda p, reason: reported.append(p))
    cache.failedMore.connect(more.append)
    faces = [FaceItem(face_id=i, photo_id=i, path=str(tmp_path / f"gone_{i}.jpg"),
                      content_hash=None, box=(10, 10, 60, 60)) for i in range(REPORTED + 15)]
    for face in faces:
        cache.get(face, 64)
    qtbot.waitUntil(lambda: all(cache.is_broken(f) for f in faces), timeout=20000)
    qtbot.waitUntil(lambda: sum(more) == 15, timeout=5000)
    assert len(reported) == REPORTED
    assert all(cache.get(f, 64) is None for f in faces)  # placeholders, not asked again
    assert not list(Path(tmp_path / "thumbs").rglob("*.jpg"))
    cache.shutdown()


def test_a_fling_keeps_only_the_newest_requests(qtbot, data_dir, tmp_path):
    """Tiles scrolled past long ago are not cut out after the scroll; asked again, they are."""
    template, _ = scanned_template(data_dir)
    lib = Library(copy_catalog(template, tmp_path / "c.sqlite3"))
    try:
        real = all_faces(lib)[:3]
        cache = ThumbnailCache(tmp_path / "thumbs", threads=1)
        # more tiles than the queue keeps, painted in one event-loop turn (no cropper starts)
        fling = [FaceItem(face_id=10_000 + i, photo_id=10_000 + i, path=real[i % 3].path,
                          content_hash=f"fling{i}", box=real[i % 3].box)
                 for i in range(PENDING_MAX + 50)]
        for face in real + fling:
            assert cache.get(face, 64) is None
        queued = cache.pending()
        assert [f.face_id for f in queued] == [f.face_id for f in fling[-PENDING_MAX:]]
        assert cache.get(real[0], 64) is None  # painted again: queued again, as the newest
        assert cache.pending()[-1] == real[0]
        wait_thumbnails(qtbot, cache, real, 64)  # and served
        cache.shutdown()
    finally:
        lib.close()


def test_croppers_yield_to_painting_but_never_starve(qtbot, data_dir, tmp_path):
    """A view that repaints without a pause still gets its thumbnails (one photo per
    MAX_WAIT at worst)."""
    template, _ = scanned_template(data_dir)
    lib = Library(copy_catalog(template, tmp_path / "c.sqlite3"))
    try:
        faces = all_faces(lib)[:4]
        cache = ThumbnailCache(tmp_path / "thumbs", threads=1)
        from PySide6.QtCore import QTimer

        painter = QTimer(interval=2)  # "paints" the four tiles every 2 ms
        painter.timeout.connect(lambda: [cache.get(f, 64) for f in faces])
        painter.start()
        qtbot.waitUntil(lambda: all(cache.get(f, 64) is not None for f in faces), timeout=30000)
        painter.stop()
        cache.shutdown()
    finally:
        lib.close()
