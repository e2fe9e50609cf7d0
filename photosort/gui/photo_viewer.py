"""The photo viewer: a photo with every face boxed and named; click a box to assign, correct or reject it.

The photo is decoded on a pool thread (never the GUI thread); faces and names
come from the catalog and follow every edit. ←/→ step through the person's
photos, Tab moves between faces and Enter opens the face's menu.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QPoint, QRunnable, QThreadPool, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QVBoxLayout, QWidget

from photosort.core.records import person_label
from photosort.gui.face_box import FaceBoxDrawer, add_not_a_face
from photosort.gui.jobs import emit_if_alive
from photosort.gui.library import Library
from photosort.gui.person_picker import PersonPicker
from photosort.gui.photo_canvas import PhotoCanvas
from photosort.gui.thumbnails import FaceItem
from photosort.gui.widgets import flat_button
from photosort.store import browse

VIEW_SIDE = 2560  # decode size: sharp on a 4K screen, still quick


class _Loaded(QObject):
    done = Signal(int, object, str)  # token, QImage or None, error


class _LoadPhoto(QRunnable):
    def __init__(self, path: str, token: int, signal: _Loaded) -> None:
        super().__init__()
        self.path, self.token, self.signal = path, token, signal

    def run(self) -> None:
        from photosort.media.decode import load_image
        from photosort.media.errors import ImageError

        try:
            photo = load_image(self.path, max_side=VIEW_SIDE)
        except ImageError as exc:
            emit_if_alive(self.signal.done, self.token, None, exc.reason)
            return
        pixels = photo.pixels
        image = QImage(pixels.data, pixels.shape[1], pixels.shape[0], pixels.strides[0],
                       QImage.Format.Format_RGB888).copy()
        emit_if_alive(self.signal.done, self.token, (image, photo.original_size), "")


class PhotoViewer(QWidget):
    """Header with file name and position, the canvas, and previous/next."""

    back = Signal()
    openPerson = Signal(int)
    message = Signal(str)

    def __init__(self, library: Library, parent=None) -> None:
        super().__init__(parent)
        self.library = library
        self.photo_ids: list[int] = []
        self.index = 0
        self.person_id: int | None = None
        self._token = 0
        self._loaded = _Loaded(self)
        self._loaded.done.connect(self._on_loaded)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        top = QHBoxLayout()
        titles = QVBoxLayout()
        self.title = QLabel(objectName="PageTitle")
        self.subtitle = QLabel(objectName="Subtle")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        top.addLayout(titles, 1)
        self.prev_button = flat_button("Previous", "chevron-left", lambda: self.step(-1), "Left")
        self.next_button = flat_button("Next", "chevron-right", lambda: self.step(1), "Right")
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)
        layout.addLayout(top)
        self.canvas = PhotoCanvas()
        self.canvas.faceClicked.connect(self.face_menu)
        self.box_drawer = FaceBoxDrawer(self)
        layout.addWidget(self.canvas, 1)
        hint = QLabel("Click a face to name or correct it · drag a box around a face that was missed · "
                      "Tab and Enter work too · ← → for the previous or next photo", objectName="Hint")
        layout.addWidget(hint)
        for b in (self.prev_button, self.next_button):
            self.addAction(b.defaultAction())
        back = QAction(self, shortcut=QKeySequence(Qt.Key.Key_Escape))
        back.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.triggered.connect(self.back)
        self.addAction(back)

    def show_photos(self, photo_ids: list[int], index: int, person_id: int | None) -> None:
        self.photo_ids, self.index, self.person_id = list(photo_ids), index, person_id
        self._load()
        self.canvas.setFocus()

    def step(self, delta: int) -> None:
        if self.photo_ids and 0 <= self.index + delta < len(self.photo_ids):
            self.index += delta
            self._load()

    def current_photo(self) -> int | None:
        return self.photo_ids[self.index] if self.photo_ids else None

    def _load(self) -> None:
        photo = self.library.photos.get(self.current_photo())
        if photo is None:
            self.canvas.set_photo(None, [], {}, error="This photo is no longer in the catalog.")
            return
        self._token += 1
        self.title.setText(os.path.basename(photo.path) + ("  · missing" if photo.missing else ""))
        self.title.setToolTip(photo.path)
        self.canvas.set_photo(None, [], {}, loading=True)
        self.refresh()
        if photo.missing:  # the marker: no file to show, but its faces and names are kept
            self.canvas.set_error(f"This photo is missing: it was not found at {photo.path} when "
                                  "its folder was last scanned. Its faces and names are kept; it "
                                  "comes back as it was when the file does.")
            self.prev_button.defaultAction().setEnabled(self.index > 0)
            self.next_button.defaultAction().setEnabled(self.index < len(self.photo_ids) - 1)
            return
        QThreadPool.globalInstance().start(_LoadPhoto(photo.path, self._token, self._loaded))
        self.prev_button.defaultAction().setEnabled(self.index > 0)
        self.next_button.defaultAction().setEnabled(self.index < len(self.photo_ids) - 1)

    def _on_loaded(self, token: int, result, error: str) -> None:
        if token != self._token:
            return  # the user already moved on
        if result is None:
            self.canvas.set_error(f"This photo cannot be shown: {error}")
            return
        image, size = result
        self.canvas.set_image(image, size)

    def refresh(self) -> None:
        """Re-read the faces and names (after an edit or while a scan runs)."""
        photo_id = self.current_photo()
        if photo_id is None:
            return
        faces = self.library.faces_in_photo(photo_id)
        names = {pid: name for pid, name in self.library.people.names().items()}
        self.canvas.set_faces(faces, names)
        person = person_label(names.get(self.person_id), self.person_id) if self.person_id else ""
        where = f"Photo {self.index + 1} of {len(self.photo_ids)}"
        self.subtitle.setText(f"{where} · {person}" if person else where)

    # -- face menu --------------------------------------------------------------------
    def face_menu(self, face: FaceItem, at: QPoint) -> None:
        menu = self.build_menu(face)
        menu.exec(at)

    def build_menu(self, face: FaceItem) -> QMenu:
        lib, editor = self.library, self.library.editor
        menu = QMenu(self)
        current = lib.people.get(face.person_id) if face.person_id else None
        if current:
            menu.addSection(current.display_name)
            menu.addAction(f"Open {current.display_name}", lambda: self.openPerson.emit(current.id))
            menu.addAction(f"Not {current.display_name}",
                           lambda: lib.edit(editor.reject_faces, [face.face_id], current.id))
        else:
            menu.addSection("Unknown face")
        who = menu.addMenu("This is…")
        ids = [pid for pid in lib.person_ids(hidden=False, sort=browse.SORT_NAMED_FIRST, limit=13)
               if pid != face.person_id][:12]
        named = [r for r in lib.person_rows(ids) if r.person.name]
        named.sort(key=lambda r: ids.index(r.id))
        for row in named:
            who.addAction(row.person.display_name,
                          lambda pid=row.id: lib.edit(editor.move_faces, [face.face_id], pid))
        if named:
            who.addSeparator()
        who.addAction("Someone else…", lambda: self._pick_for(face))
        menu.addAction("New person from this face",
                       lambda: lib.edit(editor.new_person, [face.face_id], None))
        add_not_a_face(menu, self, face)
        return menu

    def _pick_for(self, face: FaceItem) -> None:
        pick = PersonPicker.choose(self.library, "Who is this?", "Choose a person or type a new name:",
                                   exclude={face.person_id} if face.person_id else set(), parent=self)
        if pick is None:
            return
        if pick.person_id is not None:
            self.library.edit(self.library.editor.move_faces, [face.face_id], pick.person_id)
        else:
            self.library.edit(self.library.editor.new_person, [face.face_id], pick.new_name)
