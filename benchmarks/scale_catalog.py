"""Build a lifetime-sized catalog without running the detector (issue 13).

    uv run python benchmarks/scale_catalog.py OUT.sqlite3 [--photos 200000] [--faces 400000]
        [--seed 0] [--files DIR]

The catalog is written through the real store (``Database`` runs every
migration), in a few bulk transactions, so 200k photos / 400k faces take a
minute or two instead of the days a real scan would. What is in it:

* photos with realistic paths (``ROOT/2014/2014-07-19 Beach/IMG_01234.JPG``),
  sorted in time, 0–8 faces each (two on average), every one marked analyzed
  with today's fingerprint, so a rescan has nothing to analyze;
* faces with dlib-like descriptors (``bench_cluster.make_faces``) of a
  long-tailed set of people: 10 people with 10k+ faces each (at the default
  size; they scale with ``faces``), a Zipf tail of smaller people down to
  thousands with 1–3 faces, and 50 % strangers (1–3 faces each) left
  unknown. No person appears twice in one photo;
* the grouping a previous run would have left: every non-stranger with two
  or more faces is a person (machine links), the big ones and about 2 % of
  the rest named; the user's work on top: confirmed faces of named people
  (user links), "not this person" rejections, hidden people and people kept
  apart (cannot-links).

With ``files`` every photo is also created as an empty file at its path, with
the catalog's mtime, so that a rescan stats them and finds them unchanged.
:func:`build_catalog` returns the facts the benchmarks need.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cluster import make_faces  # noqa: E402

BIG_SIZES = (24_000, 20_000, 17_000, 15_000, 13_000, 12_000, 11_500, 11_000, 10_500, 10_000)
"""Faces of the ten biggest people at 400k faces (scaled with the catalog)."""
FACES_PER_PHOTO = ((0, 0.22), (1, 0.30), (2, 0.20), (3, 0.12), (4, 0.07), (5, 0.04),
                   (6, 0.025), (7, 0.015), (8, 0.01))
EVENTS = ("Birthday", "Holiday", "Garden", "Christmas", "Beach", "School", "Wedding", "Hike",
          "Visit", "Party", "Weekend", "Zoo")
FIRST = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas",
         "Karla", "Leo", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sam", "Tilda", "Veit")
LAST = ("Adler", "Berger", "Celik", "Dietz", "Engel", "Fischer", "Graf", "Huber", "Jung", "Krause")
VIRTUAL_ROOT = "/scale-library/Pictures"


def _sizes(faces: int, rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """Faces per person: big people, a Zipf tail, strangers; and how many of each kind."""
    scale = faces / 400_000
    big = np.maximum(2, np.round(np.array(BIG_SIZES) * scale)).astype(int)
    known_total = max(int(big.sum()) + 2, faces // 2)
    tail, left, cap = [], known_total - int(big.sum()), max(20, faces // 400)
    while left > 0:
        size = min(int(rng.zipf(1.9)), cap, left)
        tail.append(size)
        left -= size
    strangers, left = [], faces - known_total
    while left > 0:
        size = min(int(rng.choice([1, 2, 3], p=[0.75, 0.17, 0.08])), left)
        strangers.append(size)
        left -= size
    sizes = np.concatenate([big, tail, strangers]).astype(int)
    return sizes, len(big) + len(tail), len(big)


def _photo_of_faces(labels: np.ndarray, photos: int, rng: np.random.Generator) -> np.ndarray:
    """A photo per face: realistic faces-per-photo counts, never one person twice in a photo."""
    counts = rng.choice([c for c, _ in FACES_PER_PHOTO], size=photos,
                        p=[p for _, p in FACES_PER_PHOTO])
    while (diff := len(labels) - int(counts.sum())) != 0:
        if diff > 0:
            np.add.at(counts, rng.integers(0, photos, size=diff), 1)
        else:
            nonzero = np.flatnonzero(counts)
            counts[rng.choice(nonzero, size=min(-diff, len(nonzero)), replace=False)] -= 1
    slots = rng.permutation(np.repeat(np.arange(photos), counts))
    people = int(labels.max()) + 1
    for _ in range(100):
        key = slots.astype(np.int64) * people + labels
        order = np.argsort(key, kind="stable")
        dup = order[1:][np.diff(key[order]) == 0]
        if not len(dup):
            return slots
        other = rng.integers(0, len(slots), size=len(dup))
        slots[dup], slots[other] = slots[other], slots[dup].copy()
    raise RuntimeError("could not keep people apart within photos")


def _paths(photos: int, root: str, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Paths grouped in dated event folders, and each photo's time (ns), in time order."""
    start, end = 946_684_800, 1_790_000_000  # 2000 .. 2026
    events = max(1, photos // 60)
    event_start = np.sort(rng.uniform(start, end, size=events))
    event_of = np.sort(rng.integers(0, events, size=photos))
    t = event_start[event_of] + rng.uniform(0, 6 * 3600, size=photos)
    paths, numbers = [], {}
    for i in range(photos):
        day = time.strftime("%Y-%m-%d", time.gmtime(t[i]))
        folder = f"{day[:4]}/{day} {EVENTS[int(event_of[i]) % len(EVENTS)]}"
        n = numbers[folder] = numbers.get(folder, 0) + 1
        prefix = "DSC" if event_of[i] % 3 == 0 else "IMG"
        paths.append(f"{root}/{folder}/{prefix}_{n:05d}.JPG")
    return paths, (t * 1e9).astype(np.int64)


def build_catalog(path: Path, *, photos: int = 200_000, faces: int = 400_000, seed: int = 0,
                  files_root: Path | None = None) -> dict:
    """Write the catalog at ``path`` (which must not exist) and return its facts."""
    from photosort.services.analyze import AnalyzeSettings
    from photosort.store.catalog import to_blob
    from photosort.store.db import Database

    started = time.monotonic()
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    rng = np.random.default_rng(seed)
    sizes, n_known, n_big = _sizes(faces, rng)
    X, labels = make_faces(faces, seed=seed, sizes=sizes)
    slot = _photo_of_faces(labels, photos, rng)
    order = np.argsort(slot, kind="stable")  # face ids follow the photos, as a scan writes them
    X, labels, slot = X[order], labels[order], slot[order]
    root = str(Path(files_root).resolve()) if files_root else VIRTUAL_ROOT
    paths, mtimes = _paths(photos, root, rng)
    sizes_on_disk = rng.integers(2_000_000, 9_000_000, size=photos)
    if files_root:
        sizes_on_disk[:] = 0
        for p, m in zip(paths, mtimes):
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "wb").close()
            os.utime(p, ns=(int(m), int(m)))
        mtimes = np.array([os.stat(p).st_mtime_ns for p in paths], dtype=np.int64)

    settings = AnalyzeSettings()
    db = Database(path)
    c, now = db.conn, time.time()
    c.execute("PRAGMA synchronous = OFF")
    with db.transaction():
        c.execute("INSERT INTO roots (path, added_at) VALUES (?, ?)", (root, now))
        c.executemany(
            "INSERT INTO photos (id, path, size, mtime_ns, content_hash, width, height, status,"
            " analyzed_with, seen_at) VALUES (?, ?, ?, ?, ?, 4000, 3000, 'done', ?, ?)",
            ((i + 1, p, int(s), int(m), hashlib.blake2b(p.encode(), digest_size=16).hexdigest(),
              settings.fingerprint, now) for i, (p, s, m) in enumerate(zip(paths, sizes_on_disk, mtimes))))
    x1 = rng.uniform(0, 3600, size=faces)
    y1 = rng.uniform(0, 2600, size=faces)
    w = rng.uniform(60, 400, size=faces)
    landmarks = rng.uniform(0.3, 0.7, size=(faces, 5, 2)).astype(np.float32)
    score = rng.uniform(0.9, 1.0, size=faces)
    with db.transaction():
        c.executemany(
            "INSERT INTO faces (id, photo_id, x1, y1, x2, y2, landmarks, score, embedding, model)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((i + 1, int(slot[i]) + 1, x1[i], y1[i], x1[i] + w[i], y1[i] + w[i],
              to_blob(landmarks[i] * w[i] + [x1[i], y1[i]]), score[i], to_blob(X[i]),
              settings.model_id) for i in range(faces)))
    facts = _people(db, labels, sizes, n_known, n_big, rng, now)
    c.execute("PRAGMA synchronous = FULL")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    facts.update(path=str(path), photos=photos, faces=faces, seed=seed, root=root,
                 files_root=str(files_root) if files_root else None, model=settings.model_id,
                 fingerprint=settings.fingerprint, size_bytes=path.stat().st_size,
                 seconds=round(time.monotonic() - started, 1))
    return facts


def true_labels(faces: int = 400_000, photos: int = 200_000, seed: int = 0) -> np.ndarray:
    """Who each face of a catalog built with these arguments really is: entry ``id - 1``.

    Recomputed from the seed exactly as :func:`build_catalog` drew it (about 15 s
    at 400k faces), so the catalog itself needs no column the app does not have.
    Labels below the catalog's ``people`` boundary are known people, the rest strangers.
    """
    rng = np.random.default_rng(seed)
    sizes, _, _ = _sizes(faces, rng)
    _, labels = make_faces(faces, seed=seed, sizes=sizes)
    slot = _photo_of_faces(labels, photos, rng)
    return labels[np.argsort(slot, kind="stable")]


def new_strangers(count: int, faces: int = 400_000, seed: int = 0) -> np.ndarray:
    """``count`` faces of new people (one face each) from the catalog's own generator.

    ``make_faces`` draws its subspace and mean first, then one centre per
    person; drawing ``count`` more people after the catalog's gives new
    identities in the same space (a face from another seed lies in another
    subspace, far from every face of the catalog).
    """
    sizes, _, _ = _sizes(faces, np.random.default_rng(seed))
    X, labels = make_faces(faces + count, seed=seed,
                           sizes=np.r_[sizes, np.ones(count, dtype=int)])
    return X[labels >= len(sizes)]


def _people(db, labels: np.ndarray, sizes: np.ndarray, n_known: int, n_big: int,
            rng: np.random.Generator, now: float) -> dict:
    """People, machine and user links, names, hidden people, rejections and cannot-links."""
    c = db.conn
    persons = [p for p in range(n_known) if sizes[p] >= 2]
    person_id = {p: i + 1 for i, p in enumerate(persons)}
    named = set(range(n_big)) | {p for p in persons[n_big:] if rng.random() < 0.02}
    unnamed = [p for p in persons if p not in named]
    hidden = {p for p in unnamed if rng.random() < 0.01}
    names = {p: f"{FIRST[k % len(FIRST)]} {LAST[(k // len(FIRST)) % len(LAST)]}"
             + (f" {k // (len(FIRST) * len(LAST)) + 1}" if k >= len(FIRST) * len(LAST) else "")
             for k, p in enumerate(sorted(named))}
    face_ids = np.arange(1, len(labels) + 1)
    linked = np.isin(labels, persons)
    user = linked & np.isin(labels, sorted(named)) & (rng.random(len(labels)) < 0.05)
    strangers = face_ids[labels >= n_known]
    n_rejections = max(4, len(labels) // 400)
    rejected = [(int(f), person_id[persons[int(rng.integers(0, len(persons)))]])
                for f in rng.choice(strangers, size=min(n_rejections, len(strangers)), replace=False)]
    pairs = set()
    while len(pairs) < min(100, len(unnamed) // 4):
        a, b = rng.choice(len(unnamed), size=2, replace=False)
        a, b = person_id[unnamed[a]], person_id[unnamed[b]]
        pairs.add((min(a, b), max(a, b)))
    with db.transaction():
        c.executemany("INSERT INTO people (id, name, hidden, created_at) VALUES (?, ?, ?, ?)",
                      ((person_id[p], names.get(p), int(p in hidden), now) for p in persons))
        c.executemany("INSERT INTO face_person (face_id, person_id, source, confirmed)"
                      " VALUES (?, ?, ?, ?)",
                      ((int(f), person_id[int(lab)], "user" if u else "ml", int(u))
                       for f, lab, u in zip(face_ids[linked], labels[linked], user[linked])))
        c.executemany("INSERT OR IGNORE INTO rejections (face_id, person_id) VALUES (?, ?)", rejected)
        c.executemany("INSERT INTO cannot_link (person_a, person_b, created_at) VALUES (?, ?, ?)",
                      ((a, b, now) for a, b in sorted(pairs)))
    big = sorted(range(n_big), key=lambda p: -sizes[p])
    return {"people": len(persons), "named": len(named), "hidden": len(hidden),
            "user_links": int(user.sum()), "rejections": len(rejected), "cannot_links": len(pairs),
            "unknown_faces": int((~linked).sum()), "stranger_faces": len(strangers),
            "big_person": person_id[big[0]], "big_person_faces": int(sizes[big[0]]),
            "big_people": [person_id[p] for p in big],
            "small_people": int(sum(1 for p in range(len(sizes)) if sizes[p] <= 3))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--photos", type=int, default=200_000)
    parser.add_argument("--faces", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--files", type=Path, help="also create the photos as empty files here")
    args = parser.parse_args()
    facts = build_catalog(args.out, photos=args.photos, faces=args.faces, seed=args.seed,
                          files_root=args.files)
    print(json.dumps(facts, indent=1))


if __name__ == "__main__":
    main()
