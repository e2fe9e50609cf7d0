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
