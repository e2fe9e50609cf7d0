"""A list model that updates in place, so views keep selection, scroll and open editors.

People appear, grow and merge while a scan runs; resetting the model every
few seconds would throw away what the user is doing. :meth:`KeyedListModel.set_rows`
instead removes the rows that left, updates changed rows and appends new ones.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Sequence, TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

T = TypeVar("T")
RowRole = Qt.ItemDataRole.UserRole + 1


class KeyedListModel(QAbstractListModel, Generic[T]):
    """Rows identified by ``key(row)``; ``RowRole`` returns the row object itself."""

    def __init__(self, key: Callable[[T], Any], parent=None) -> None:
        super().__init__(parent)
        self._key = key
        self._rows: list[T] = []
        self._index: dict[Any, int] = {}

    # -- Qt API -----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == RowRole:
            return row
        return self.row_data(row, role)

    def row_data(self, row: T, role: int) -> Any:
        """Data for roles other than ``RowRole``; subclasses override."""
        return None

    # -- rows -------------------------------------------------------------------------
    @property
    def rows(self) -> list[T]:
        return list(self._rows)

    def row_of(self, key: Any) -> int:
        return self._index.get(key, -1)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def set_rows(self, rows: Sequence[T]) -> None:
        gone, changed, added = diff_rows(self._rows, rows, self._key)
        for first, last in reversed(ranges(gone)):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first:last + 1]
            self.endRemoveRows()
        for i, fresh in changed:
            self._rows[i] = fresh
            self.dataChanged.emit(self.index(i), self.index(i))
        if added:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(added) - 1)
            self._rows.extend(added)
            self.endInsertRows()
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}

    def append_rows(self, rows: Sequence[T]) -> None:
        """Add ``rows`` (keys not present yet) at the end."""
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self._index.update({self._key(r): start + i for i, r in enumerate(rows)})
        self.endInsertRows()

    def reset_rows(self, rows: Sequence[T]) -> None:
        """Replace everything (a different person's faces, say)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}
        self.endResetModel()


def diff_rows(old: Sequence[T], new_rows: Sequence[T], key: Callable[[T], Any]
              ) -> tuple[list[int], list[tuple[int, T]], list[T]]:
    """How to turn ``old`` into ``new_rows`` in place: the indices (in ``old``) of rows that
    left, the (index after those removals, row) pairs that changed, and the rows to append."""
    new = {key(r): r for r in new_rows}
    gone = [i for i, r in enumerate(old) if key(r) not in new]
    kept = [r for r in old if key(r) in new]
    changed = []
    for i, row in enumerate(kept):
        fresh = new.pop(key(row))
        if fresh != row:
            changed.append((i, fresh))
    return gone, changed, list(new.values())


def ranges(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
