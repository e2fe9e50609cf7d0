"""Incremental grouping of new faces (``services.live_grouping``) on real photos and embeddings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from photosort.core.face_index import FaceIndex
from photosort.services.analyze import Analyzer, AnalyzeSettings
from photosort.services.edits import PeopleEditor
from photosort.services.live_grouping import IncrementalGrouper
from photosort.services.scan import scan
from photosort.store.catalog import PhotoStore
from photosort.store.db import Database
from photosort.store.people import PeopleStore

PEOPLE = ("ben_afflek", "madonna", "mindy_kaling")


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(AnalyzeSettings())


def _copy(data_dir: Path, folder: Path, photos: slice) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for person in PEOPLE:
        for src in sorted((data_dir / "five_celebrity" / person).glob("*.jpg"))[photos]:
            out.append(Path(shutil.copyfile(src, folder / f"{person}_{src.name}")))
    return out


def _main_face(db: Database, path: Path) -> tuple[int, int | None] | None:
    """(face, person) of the photo's largest face, the one its folder names."""
    rows = db.query("SELECT f.id, fp.person_id FROM faces f JOIN photos p ON p.id = f.photo_id"
                    " LEFT JOIN face_person fp ON fp.face_id = f.id WHERE p.path = ?"
                    " ORDER BY (f.x2 - f.x1) * (f.y2 - f.y1) DESC LIMIT 1", (str(path),))
    return (rows[0][0], rows[0][1]) if rows else None


def test_new_faces_join_their_people_by_nearest_faces_and_honour_not_this_person(
        data_dir, tmp_path, analyzer):
    db = Database(tmp_path / "catalog.sqlite3")
    first = _copy(data_dir, tmp_path / "lib" / "2019", slice(0, 6))
    scan(db, [tmp_path / "lib"], analyzer=analyzer)
    editor, people = PeopleEditor(db), PeopleStore(db)
    named = {}
    for person in PEOPLE:  # the user names each person's group and confirms its faces
        ids = [m[1] for p in first if p.name.startswith(person) and (m := _main_face(db, p))]
        pid = max(set(i for i in ids if i is not None), key=ids.count)
        editor.rename(pid, person)
        named[pid] = person
    grouper = IncrementalGrouper(db, AnalyzeSettings().model_id)  # knows every face so far
    second = _copy(data_dir, tmp_path / "lib" / "2020", slice(6, 12))
    store, settings = PhotoStore(db), AnalyzeSettings()
    for path in second:  # what a scan writes for each analysed photo
        pid = store.add(str(path), path.stat().st_size, path.stat().st_mtime_ns, None)
        r = analyzer.analyze(str(path))
        store.save_analysis(pid, width=r.width, height=r.height, faces=r.faces,
                            embeddings=r.embeddings, model=settings.model_id,
                            analyzed_with=settings.fingerprint)
    rejected_path = second[0]
    face, _ = _main_face(db, rejected_path)
    ben = next(p for p, n in named.items() if n == "ben_afflek")
    with db.transaction() as c:  # "not this person" said before it was grouped (a re-analysed face)
        c.execute("INSERT INTO rejections (face_id, person_id) VALUES (?, ?)", (face, ben))
    before = {p.id for p in people.list()}

    result = grouper.step()

    assert result.new_faces >= len(second) and result.joined > 0
    right = wrong = 0
    for path in second:
        main = _main_face(db, path)
        if main and main[1] in named:
            right += path.name.startswith(named[main[1]])
            wrong += not path.name.startswith(named[main[1]])
    assert wrong == 0 and right >= len(second) // 2
    assert _main_face(db, rejected_path)[1] != ben
    assert db.query("SELECT 1 FROM face_person fp JOIN faces f ON f.id = fp.face_id"
                    " GROUP BY f.photo_id, fp.person_id HAVING COUNT(*) > 1") == []
    assert {p.id: p.name for p in people.list() if p.id in named} == named  # nobody renamed
    assert before <= {p.id for p in people.list()}  # nobody's people were taken away
    assert grouper.step().new_faces == 0  # a step reads only what is new
    moved = dict(grouper._centroids)  # running means after the step's joins ...
    grouper._refresh_centroids(None)  # ... equal the centroids recomputed from the catalog
    assert moved.keys() == grouper._centroids.keys()
    assert all(np.allclose(moved[p], grouper._centroids[p], atol=1e-5) for p in moved)


def test_the_face_index_finds_the_exact_nearest_faces_and_grows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30_000, 128)).astype(np.float32)
    X[:, 80:] = 0  # dlib-like: the variance lives in a subspace
    index = FaceIndex(X[:25_000])
    index.add(X[25_000:])
    queries = X[rng.choice(30_000, 200, replace=False)] + rng.normal(scale=0.05, size=(200, 128)).astype(np.float32)
    rows, dist = index.query(queries, 5)
    exact = np.argsort(((queries[:, None, :] - X[None, :, :]) ** 2).sum(-1), axis=1)[:, :5]
    assert (rows[:, 0] == exact[:, 0]).mean() == 1.0  # the nearest one always (a close query)
    assert np.all(np.diff(dist, axis=1) >= 0)
    assert np.allclose(dist[:, 0], np.linalg.norm(queries - X[rows[:, 0]], axis=1), atol=1e-3)
