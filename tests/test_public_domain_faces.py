"""packaging/public_domain_faces.py: the photos of the README picture and the Windows job.

They must scan as one person (the People view shows someone) while being
different files (no two the same bytes), and only come from the public-domain
self-test face.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from photosort.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def _module():
    spec = importlib.util.spec_from_file_location("public_domain_faces", ROOT / "packaging" / "public_domain_faces.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_variants_are_distinct_files_and_scan_as_one_person(tmp_path, capsys):
    faces = _module()
    assert faces.FACE == ROOT / "resources" / "selftest_face.jpg"
    written = faces.write_faces(tmp_path / "photos", 12)
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in written}) == 12
    db = str(tmp_path / "c.sqlite3")
    assert main(["--db", db, "scan", str(tmp_path / "photos"), "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert [(p["photos"], p["faces"]) for p in people] == [(12, 12)]
