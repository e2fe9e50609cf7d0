"""Numbered schema migrations, applied in order and tracked by ``PRAGMA user_version``.

Append new steps; never edit a step that has shipped.
"""

from __future__ import annotations

MIGRATIONS: dict[int, str] = {}

# 1: the core catalog (photos, faces, people, links, rejections).
MIGRATIONS[1] = """
CREATE TABLE roots (
    path       TEXT PRIMARY KEY,
    added_at   REAL NOT NULL
);
CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    path          TEXT NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    content_hash  TEXT,
    width         INTEGER,
    height        INTEGER,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'done', 'error')),
    error         TEXT,
    analyzed_with TEXT,
    seen_at       REAL NOT NULL DEFAULT 0
);
CREATE INDEX photos_hash ON photos(content_hash);
CREATE INDEX photos_status ON photos(status);
CREATE TABLE faces (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
    landmarks   BLOB NOT NULL,
    score       REAL NOT NULL,
    embedding   BLOB,
    model       TEXT
);
CREATE INDEX faces_photo ON faces(photo_id);
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT,
    hidden      INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL
);
CREATE TABLE face_person (
    face_id     INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('ml', 'user')),
    confirmed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX face_person_person ON face_person(person_id);
CREATE TABLE rejections (
    face_id     INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (face_id, person_id)
);
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
"""

# 2: the organize journal. Every file operation is written here as 'pending'
# before the file is touched, so a crash can be reconciled and a batch undone.
MIGRATIONS[2] = """
CREATE TABLE batches (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('organize', 'undo')),
    dest         TEXT NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('move', 'copy')),
    status       TEXT NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'done', 'cancelled', 'interrupted', 'undone')),
    undoes       INTEGER REFERENCES batches(id) ON DELETE SET NULL,
    started_at   REAL NOT NULL,
    finished_at  REAL
);
CREATE TABLE operations (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL
                 CHECK (kind IN ('move', 'copy', 'mkdir', 'mark', 'remove', 'rmdir')),
    photo_id     INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    src          TEXT,
    dst          TEXT NOT NULL,
    size         INTEGER,
    mtime_ns     INTEGER,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'failed', 'rolled_back', 'undone')),
    error        TEXT,
    reverses     INTEGER REFERENCES operations(id) ON DELETE SET NULL,
    updated_at   REAL NOT NULL
);
CREATE INDEX operations_batch ON operations(batch_id);
CREATE INDEX operations_pending ON operations(state) WHERE state = 'pending';
CREATE TABLE batch_folders (
    batch_id     INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    path         TEXT NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    PRIMARY KEY (batch_id, path)
);
"""

# 3: the people-edit undo stack (services/edits.py). Each row holds a JSON
# snapshot of the people, face_person and rejections rows one edit changed.
MIGRATIONS[3] = """
CREATE TABLE edit_log (
    id          INTEGER PRIMARY KEY,
    label       TEXT NOT NULL,
    created_at  REAL NOT NULL,
    snapshot    TEXT NOT NULL
);
"""

# 4: nothing the user did is lost (issue 10).
# * photos.path_key: one identity per file (photosort.core.paths; case-folded on
#   Windows), kept by triggers through the SQL function photosort_path_key that every
#   connection registers. Rows whose key repeats an older row's (C:\A.jpg and c:\a.jpg
#   from before) are not deleted: they become missing, so "Forget missing" shows them.
# * photos.missing_since: the file was not found under its scanned folder; its faces
#   and every user decision stay until the user forgets missing photos.
# * photos.error_kind: 'transient' errors are retried on the next scan, 'permanent'
#   ones when the file's size or time changes.
# * operations.content_hash: the bytes placed, so undo decides "changed" by content.
MIGRATIONS[4] = """
ALTER TABLE photos ADD COLUMN path_key TEXT;
ALTER TABLE photos ADD COLUMN missing_since REAL;
ALTER TABLE photos ADD COLUMN error_kind TEXT;
ALTER TABLE operations ADD COLUMN content_hash TEXT;
UPDATE photos SET path_key = photosort_path_key(path);
UPDATE photos SET path_key = path_key || '|duplicate ' || id,
                  missing_since = COALESCE(missing_since, strftime('%s', 'now'))
    WHERE id NOT IN (SELECT MIN(id) FROM photos GROUP BY path_key);
CREATE UNIQUE INDEX photos_path_key ON photos(path_key);
CREATE INDEX photos_missing ON photos(missing_since) WHERE missing_since IS NOT NULL;
DELETE FROM roots WHERE rowid NOT IN (SELECT MIN(rowid) FROM roots GROUP BY photosort_path_key(path));
CREATE TRIGGER photos_key_insert AFTER INSERT ON photos BEGIN
    UPDATE photos SET path_key = photosort_path_key(NEW.path) WHERE id = NEW.id;
END;
CREATE TRIGGER photos_key_update AFTER UPDATE OF path ON photos BEGIN
    UPDATE photos SET path_key = photosort_path_key(NEW.path) WHERE id = NEW.id;
END;
"""


def register_functions(conn) -> None:
    """The SQL functions the schema relies on (migration 4's triggers call them)."""
    from photosort.core.paths import path_key

    conn.create_function("photosort_path_key", 1, path_key, deterministic=True)


# 5: faces the user drew ("origin = 'user'": kept by every re-analysis), boxes
# the user said are not faces (a detection there is dropped on re-analysis), and
# the catalog's record of each original that write-tags rewrote (for its undo).
MIGRATIONS[5] = """
ALTER TABLE faces ADD COLUMN origin TEXT NOT NULL DEFAULT 'detector';
CREATE TABLE not_faces (
    id          INTEGER PRIMARY KEY,
    photo_id    INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
    created_at  REAL NOT NULL
);
CREATE INDEX not_faces_photo ON not_faces(photo_id);
CREATE TABLE tag_rewrites (
    batch_id     INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    photo_id     INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    content_hash TEXT,
    PRIMARY KEY (batch_id, photo_id)
);
"""

# 6: review (issue 11). ``cannot_link`` holds the people the user said are not
# the same person (pairs stored with person_a < person_b); ``person_cover`` the
# face shown for a person, chosen automatically or by "Use as cover".
MIGRATIONS[6] = """
CREATE TABLE cannot_link (
    person_a    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    person_b    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  REAL NOT NULL,
    PRIMARY KEY (person_a, person_b),
    CHECK (person_a < person_b)
);
CREATE INDEX cannot_link_b ON cannot_link(person_b);
CREATE TABLE person_cover (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    face_id     INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
    source      TEXT NOT NULL CHECK (source IN ('auto', 'user'))
);
"""

# 7: every user decision about people bumps a version counter (issue 13). Triggers
# append (person, face) rows to ``user_changes`` for each change to a name, a hidden
# flag, a user link, a "not this person" or a cannot-link, and for each deleted
# person; the AUTOINCREMENT id is the version. A regroup records the version of
# its snapshot and, when it applies its proposal, leaves alone every face and
# person changed since (photosort.store.regroup). The regroup's own writes
# (machine links, new unnamed people) do not bump it.
MIGRATIONS[7] = """
CREATE TABLE user_changes (
    version     INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER,
    face_id     INTEGER,
    created_at  REAL NOT NULL DEFAULT (julianday('now'))
);
CREATE TRIGGER uc_people_update AFTER UPDATE OF name, hidden ON people
WHEN OLD.name IS NOT NEW.name OR OLD.hidden IS NOT NEW.hidden BEGIN
    INSERT INTO user_changes (person_id) VALUES (NEW.id);
END;
CREATE TRIGGER uc_people_delete AFTER DELETE ON people BEGIN
    INSERT INTO user_changes (person_id) VALUES (OLD.id);
END;
CREATE TRIGGER uc_link_insert AFTER INSERT ON face_person WHEN NEW.source = 'user' BEGIN
    INSERT INTO user_changes (person_id, face_id) VALUES (NEW.person_id, NEW.face_id);
END;
CREATE TRIGGER uc_link_update AFTER UPDATE ON face_person
WHEN NEW.source = 'user' OR OLD.source = 'user' BEGIN
    INSERT INTO user_changes (person_id, face_id) VALUES (OLD.person_id, OLD.face_id);
    INSERT INTO user_changes (person_id, face_id) VALUES (NEW.person_id, NEW.face_id);
END;
CREATE TRIGGER uc_link_delete AFTER DELETE ON face_person WHEN OLD.source = 'user' BEGIN
    INSERT INTO user_changes (person_id, face_id) VALUES (OLD.person_id, OLD.face_id);
END;
CREATE TRIGGER uc_rejection_insert AFTER INSERT ON rejections BEGIN
    INSERT INTO user_changes (person_id, face_id) VALUES (NEW.person_id, NEW.face_id);
END;
CREATE TRIGGER uc_rejection_delete AFTER DELETE ON rejections BEGIN
    INSERT INTO user_changes (person_id, face_id) VALUES (OLD.person_id, OLD.face_id);
END;
CREATE TRIGGER uc_apart_insert AFTER INSERT ON cannot_link BEGIN
    INSERT INTO user_changes (person_id) VALUES (NEW.person_a), (NEW.person_b);
END;
CREATE TRIGGER uc_apart_delete AFTER DELETE ON cannot_link BEGIN
    INSERT INTO user_changes (person_id) VALUES (OLD.person_a), (OLD.person_b);
END;
"""

# 8: the window at scale (issue 13). Each person's face and photo counts are kept
# by triggers, so the People view and every refresh read them from ``person_stats``
# instead of counting 400k links: ``face_person.photo_id`` (the face's photo, copied
# on insert, so a delete cascading from the photo still knows it), ``person_photos``
# (faces per person and photo) and ``person_stats`` (faces, photos and the sum of
# the face ids — a cheap "this person's faces changed" key for cached covers).
# ``faces_model`` lets the map pick the current embedder's faces without a table scan.
MIGRATIONS[8] = """
ALTER TABLE face_person ADD COLUMN photo_id INTEGER;
UPDATE face_person SET photo_id = (SELECT photo_id FROM faces WHERE faces.id = face_person.face_id);
CREATE TABLE person_photos (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    photo_id    INTEGER NOT NULL,
    faces       INTEGER NOT NULL,
    PRIMARY KEY (person_id, photo_id)
) WITHOUT ROWID;
INSERT INTO person_photos (person_id, photo_id, faces)
    SELECT person_id, photo_id, COUNT(*) FROM face_person GROUP BY person_id, photo_id;
CREATE TABLE person_stats (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    faces       INTEGER NOT NULL DEFAULT 0,
    photos      INTEGER NOT NULL DEFAULT 0,
    face_sum    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO person_stats (person_id, faces, photos, face_sum)
    SELECT person_id, COUNT(*), COUNT(DISTINCT photo_id), SUM(face_id) FROM face_person
    GROUP BY person_id;
CREATE INDEX faces_model ON faces(model);

CREATE TRIGGER face_person_stats_insert AFTER INSERT ON face_person BEGIN
    UPDATE face_person SET photo_id = (SELECT photo_id FROM faces WHERE id = NEW.face_id)
        WHERE face_id = NEW.face_id;
    INSERT INTO person_stats (person_id, faces, face_sum) VALUES (NEW.person_id, 1, NEW.face_id)
        ON CONFLICT(person_id) DO UPDATE SET faces = faces + 1, face_sum = face_sum + NEW.face_id;
    INSERT INTO person_photos (person_id, photo_id, faces)
        VALUES (NEW.person_id, (SELECT photo_id FROM faces WHERE id = NEW.face_id), 1)
        ON CONFLICT(person_id, photo_id) DO UPDATE SET faces = faces + 1;
END;
CREATE TRIGGER face_person_stats_delete AFTER DELETE ON face_person BEGIN
    UPDATE person_stats SET faces = faces - 1, face_sum = face_sum - OLD.face_id
        WHERE person_id = OLD.person_id;
    UPDATE person_photos SET faces = faces - 1
        WHERE person_id = OLD.person_id AND photo_id = OLD.photo_id;
    DELETE FROM person_photos
        WHERE person_id = OLD.person_id AND photo_id = OLD.photo_id AND faces <= 0;
END;
CREATE TRIGGER face_person_stats_update AFTER UPDATE OF person_id ON face_person
WHEN OLD.person_id IS NOT NEW.person_id BEGIN
    UPDATE person_stats SET faces = faces - 1, face_sum = face_sum - OLD.face_id
        WHERE person_id = OLD.person_id;
    UPDATE person_photos SET faces = faces - 1
        WHERE person_id = OLD.person_id AND photo_id = OLD.photo_id;
    DELETE FROM person_photos
        WHERE person_id = OLD.person_id AND photo_id = OLD.photo_id AND faces <= 0;
    INSERT INTO person_stats (person_id, faces, face_sum) VALUES (NEW.person_id, 1, NEW.face_id)
        ON CONFLICT(person_id) DO UPDATE SET faces = faces + 1, face_sum = face_sum + NEW.face_id;
    INSERT INTO person_photos (person_id, photo_id, faces) VALUES (NEW.person_id, NEW.photo_id, 1)
        ON CONFLICT(person_id, photo_id) DO UPDATE SET faces = faces + 1;
END;
CREATE TRIGGER person_photos_insert AFTER INSERT ON person_photos BEGIN
    UPDATE person_stats SET photos = photos + 1 WHERE person_id = NEW.person_id;
END;
CREATE TRIGGER person_photos_delete AFTER DELETE ON person_photos BEGIN
    UPDATE person_stats SET photos = photos - 1 WHERE person_id = OLD.person_id;
END;
"""

# 9: a face's sharpness (issue 11: the automatic cover is large, sharp and frontal):
# the variance of the Laplacian of its crop at a fixed size (``media.sharpness``),
# NULL for faces analysed before (or drawn by the user).
MIGRATIONS[9] = """
ALTER TABLE faces ADD COLUMN sharpness REAL;
"""
