"""The canonical path key: Windows' rules, tested on any OS (the functions are pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from photosort.core.paths import key_under, path_key, same_path


def win(path: str) -> str:
    return path_key(path, windows=True)


@pytest.mark.parametrize("a, b", [
    (r"C:\Photos\a.jpg", r"c:\PHOTOS\A.JPG"),
    (r"C:\Photos\a.jpg", "C:/Photos/a.jpg"),
    (r"C:\Photos\a.jpg", r"\\?\C:\Photos\a.jpg"),
    (r"C:\Photos\a.jpg", r"\\.\c:\photos\a.jpg"),
    (r"C:\Photos\a.jpg", r"C:\Photos\\\a.jpg"),
    (r"C:\Photos\a.jpg", r"C:\Photos\.\2019\..\a.jpg"),
    (r"C:\Photos\a.jpg", r"C:\Photos.\a.jpg. "),
    (r"C:\Photos\a.jpg", r"C:\Photos \a.jpg..."),
    (r"C:\Photos", "C:\\Photos\\"),
    (r"\\nas\share\Photos\a.jpg", r"\\NAS\Share\photos\A.jpg"),
    (r"\\nas\share\Photos\a.jpg", r"\\?\UNC\nas\share\Photos\a.jpg"),
    (r"\\nas\share\Photos\a.jpg", "//nas/share/Photos/a.jpg"),
    (r"\\nas\share", "\\\\nas\\share\\"),
    (r"C:\Fotos\Élodie\ÉTÉ.jpg", r"c:\fotos\élodie\été.jpg"),
    (r"C:\Фото\Мама.jpg", r"c:\фото\МАМА.JPG"),
    (r"C:\Φωτο\σοφία.jpg", r"C:\ΦΩΤΟ\ΣΟΦΊΑ.JPG"),
    (r"C:\x\ς.jpg", r"C:\x\Σ.jpg"),
])
def test_windows_spellings_of_one_file_have_one_key(a, b):
    assert win(a) == win(b)
    assert same_path(a, b, windows=True)


@pytest.mark.parametrize("a, b", [
    (r"C:\Photos\a.jpg", r"D:\Photos\a.jpg"),
    (r"C:\Photos\a.jpg", r"C:\Photos\a.jpeg"),
    (r"C:\Photos\straße.jpg", r"C:\Photos\strasse.jpg"),  # NTFS: two files
    (r"C:\Photos\e\u0301.jpg", r"C:\Photos\é.jpg"),  # NFD vs NFC: two files on NTFS
    (r"\\nas\share\a.jpg", r"\\nas\other\a.jpg"),
    (r"C:\Photos\a b.jpg", r"C:\Photos\ab.jpg"),
])
def test_different_windows_files_keep_different_keys(a, b):
    assert win(a) != win(b)


def test_posix_keys_keep_case_and_normalise_separators():
    assert path_key("/home/ann/Photos/a.jpg", windows=False) != path_key("/home/ann/photos/A.JPG",
                                                                         windows=False)
    assert path_key("/home//ann/./Photos/a.jpg", windows=False) == "/home/ann/Photos/a.jpg"
    assert path_key("/home/ann/Photos/", windows=False) == "/home/ann/Photos"


def test_key_under_respects_name_boundaries():
    assert key_under(win(r"C:\Photos\2019\a.jpg"), win(r"c:\photos"), windows=True)
    assert key_under(win(r"C:\Photos"), win(r"C:\Photos"), windows=True)
    assert not key_under(win(r"C:\Photos2\a.jpg"), win(r"C:\Photos"), windows=True)
    assert key_under(win(r"C:\a.jpg"), win("C:\\"), windows=True)
    assert key_under("/lib/a.jpg", "/lib", windows=False)
    assert not key_under("/library/a.jpg", "/lib", windows=False)


names = st.text(st.characters(blacklist_characters='\\/:*?"<>|\x00', blacklist_categories=("Cs",)),
                min_size=1, max_size=12)
drives = st.sampled_from(["C:", "c:", "D:", r"\\nas\share", r"\\?\C:", r"\\?\UNC\nas\share"])


@settings(deadline=None, max_examples=300)
@given(drives, st.lists(names, min_size=1, max_size=5))
def test_windows_key_is_idempotent_and_ignores_case_and_separators(drive, parts):
    path = drive + "\\" + "\\".join(parts)
    key = win(path)
    assert win(key) == key
    assert win(path.upper()) == win(path.lower()) or any(len(c.upper()) > 1 or len(c.lower()) > 1
                                                         or c.upper().lower() != c.lower()
                                                         for c in path)
    assert win(path.replace("\\", "/")) == key
    assert win(drive + "\\" + "\\\\".join(parts) + "\\") == key


@settings(deadline=None, max_examples=200)
@given(drives, st.lists(names, min_size=1, max_size=4), names)
def test_a_windows_file_lies_under_each_of_its_folders(drive, parts, leaf):
    folder = drive + "\\" + "\\".join(parts)
    assert key_under(win(folder + "\\" + leaf), win(folder), windows=True) or win(leaf) in ("", ".")


@settings(deadline=None, max_examples=200)
@given(st.lists(names.filter(lambda n: "/" not in n), min_size=1, max_size=5))
def test_posix_key_is_idempotent_and_keeps_the_spelling(parts):
    path = "/" + "/".join(parts)
    key = path_key(path, windows=False)
    assert path_key(key, windows=False) == key
    if not any(p in (".", "..") for p in parts):
        assert key == path
