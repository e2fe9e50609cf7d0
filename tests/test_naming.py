"""Folder-name sanitising and collision naming: examples and hypothesis properties."""

from __future__ import annotations

import ntpath
import os
import posixpath
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from photosort.core.naming import (
    FORBIDDEN_CHARS, MAX_FOLDER_BYTES, MAX_FOLDER_CHARS, MAX_NAME_BYTES, NameSpace, allocate_folders,
    is_reserved, name_keys, numbered_name, sanitize_folder_name,
)

TRICKY = [
    "CON", "con", "Con.txt", "nul .jpg", "COM1", "com9.tar.gz", "LPT¹", "CONIN$", "aux.",
    "..", ".", "...", "../../etc", "/etc/passwd", "C:\\Windows", "C:", "D:foo", "\\\\server\\share",
    "//server/share", "a/b", "a\\b", "a:b", "a_b", "A_B", "Anna", "anna", "ANNA", "Straße", "STRASSE",
    "ǅ", "ǆ", "Ǆ", "K", "\u212a", "ﬃ", "ffi", "İ", "i̇", "ı", "I", "é", "e\u0301", " Anna ", "Anna.",
    "Anna. . ", "\tTab", "line\nbreak", "nul\x00byte", "\x7f", "\u2028", "\ud800", "*?<>|\"", "",
    " ", "x" * 300, "é" * 150, "😀" * 80, "Unsorted", "unsorted", "Together", "_",
]
names = st.one_of(st.text(), st.sampled_from(TRICKY),
                  st.text(alphabet=st.sampled_from(sorted(FORBIDDEN_CHARS) + list(". aA:\\/"))))


def check_safe(folder: str) -> None:
    """One harmless path component on POSIX and Windows."""
    assert folder and folder not in (".", "..")
    assert len(folder) <= MAX_FOLDER_CHARS + 8
    assert len(folder.encode("utf-8")) <= MAX_NAME_BYTES
    assert not any(ch in FORBIDDEN_CHARS for ch in folder)
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in folder)
    assert folder == folder.strip() and folder[0] != "." and folder[-1] not in ". "
    assert not is_reserved(folder)
    for flavour, base in ((posixpath, "/dest"), (ntpath, "C:\\dest")):
        joined = flavour.normpath(flavour.join(base, folder))
        assert flavour.dirname(joined) == base and flavour.basename(joined) == folder
    assert ntpath.splitdrive(folder)[0] == ""


@pytest.mark.parametrize("raw, expected", [
    ("Anna", "Anna"),
    ("CON", "_CON"),
    ("con.txt", "_con.txt"),
    ("nul .jpg", "_nul .jpg"),
    ("COM¹", "_COM¹"),
    ("COM10", "COM10"),
    ("a<b>c", "a_b_c"),
    ("../etc", "_etc"),
    ("..", "_"),
    ("C:\\Windows", "C__Windows"),
    ("\\\\server\\share", "__server_share"),
    ("name. . ", "name"),
    ("  spaced  ", "spaced"),
    ("tab\there", "tab_here"),
    ("", "_"),
    ("e\u0301", "\u00e9"),
])
def test_sanitize_examples(raw, expected):
    assert sanitize_folder_name(raw) == expected


def test_long_names_are_cut_on_character_boundaries():
    assert sanitize_folder_name("x" * 300) == "x" * MAX_FOLDER_CHARS
    emoji = sanitize_folder_name("😀" * 80)
    assert len(emoji.encode("utf-8")) <= MAX_FOLDER_BYTES and set(emoji) == {"😀"}


def test_colliding_folders_get_numbers():
    folders = allocate_folders([(1, "Anna"), (2, "anna"), (3, "A:B"), (4, "A_B"), (5, "Unsorted")],
                               reserved=["Unsorted"])
    assert folders == {1: "Anna", 2: "anna (2)", 3: "A_B", 4: "A_B (2)", 5: "Unsorted (2)"}


def test_numbered_file_names_keep_the_extension_and_the_length_limit():
    assert numbered_name("IMG_1.jpg", 1) == "IMG_1.jpg"
    assert numbered_name("IMG_1.jpg", 2) == "IMG_1 (2).jpg"
    assert numbered_name("Anna", 3, is_folder=True) == "Anna (3)"
    long = "é" * 120 + ".jpeg"
    numbered = numbered_name(long, 12)
    assert numbered.endswith(" (12).jpeg") and len(numbered.encode()) <= MAX_NAME_BYTES


def test_name_space_is_case_and_normalisation_insensitive():
    space = NameSpace(["photo.JPG", "Cafe\u0301.jpg"])
    assert space.claim("PHOTO.jpg") == "PHOTO (2).jpg"
    assert space.claim("café.jpg") == "café (2).jpg"
    assert space.claim("new.jpg") == "new.jpg"
    assert name_keys("STRASSE") & name_keys("straße")


@settings(max_examples=400, deadline=None)
@given(names)
def test_any_name_becomes_one_safe_component(raw):
    check_safe(sanitize_folder_name(raw))


@settings(max_examples=200, deadline=None)
@given(st.lists(names, max_size=25), st.lists(st.sampled_from(["Unsorted", "Together"]), unique=True))
def test_allocated_folders_never_collide_or_escape(raws, reserved):
    folders = allocate_folders(list(enumerate(raws)), reserved)
    assert len(folders) == len(raws)
    taken = [name_keys(r) for r in reserved]
    for folder in folders.values():
        check_safe(folder)
        keys = name_keys(folder)
        assert all(keys.isdisjoint(other) for other in taken), folder
        taken.append(keys)
    assert len({f.casefold() for f in folders.values()}) == len(raws)


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=12))
def test_allocated_folders_are_created_side_by_side_inside_dest(raws):
    """On the real file system: every folder is created (exclusively) directly in DEST."""
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "dest"
        dest.mkdir()
        for folder in allocate_folders(list(enumerate(raws))).values():
            (dest / folder).mkdir()  # raises if two names met on disk
            assert (dest / folder).resolve().parent == dest.resolve()
        assert len(os.listdir(dest)) == len(raws)


file_names = st.text(st.characters(exclude_characters="/\x00"), min_size=1, max_size=60).filter(
    lambda n: n not in (".", "..") and len(n.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES)


@settings(max_examples=200, deadline=None)
@given(st.lists(file_names, max_size=30), st.lists(file_names, max_size=10))
def test_claimed_file_names_never_collide(wanted, existing):
    space = NameSpace(existing)
    claimed = [space.claim(name) for name in wanted]
    keys = [name_keys(n) for n in existing]
    for original, name in zip(wanted, claimed, strict=True):
        assert len(name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES
        ext = os.path.splitext(original)[1]
        assert name == original or name.endswith(f"){ext}")
        assert all(name_keys(name).isdisjoint(k) for k in keys), name
        keys.append(name_keys(name))
