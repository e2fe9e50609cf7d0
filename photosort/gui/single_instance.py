"""One PhotoSort window per user: later launches hand their arguments to it.

Each right-click on "Sort with PhotoSort" starts a new process.  The first
one to lock a per-user :class:`QLockFile` becomes the *primary* and listens
on a per-user :class:`QLocalServer`; every later process connects with a
:class:`QLocalSocket`, sends its arguments and exits, before it imports torch.

Wire protocol: the secondary writes one line, a JSON list of strings, and
waits for the primary's ``ok`` line, so it exits only once the primary has
the message.

A crash leaves the lock file behind.  With ``setStaleLockTime(0)`` a lock is
stale exactly when the process named in it is gone (a live primary is never
timed out), and ``tryLock`` then removes it; the crashed primary's Unix
socket file is removed before listening again.

Typical use, in the app's ``main`` (a QCoreApplication/QApplication must
exist for the primary, which receives through the event loop)::

    instance = SingleInstance()
    if not instance.try_become_primary():
        sys.exit(0 if instance.send_to_primary(argv) else 1)
    instance.message_received.connect(window.handle_arguments)
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

ACK = b"ok\n"
MAX_MESSAGE_BYTES = 1 << 20

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def default_key() -> str:
    """A name for the lock and the socket that is the same for all of one
    user's processes and differs between users (named pipes on Windows are
    visible machine-wide)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = str(Path.home())
    return "photosort-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]


class SingleInstance(QObject):
    """Chooses the primary process and carries argument lists to it.

    ``key`` names the lock file and the local socket (default: per user);
    ``lock_dir`` is where the lock file lives (default: the temp folder).
    """

    message_received = Signal(list)

    def __init__(
        self,
        key: str | None = None,
        lock_dir: str | os.PathLike[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key or default_key()
        folder = Path(lock_dir) if lock_dir is not None else Path(QDir.tempPath())
        self.lock_path = folder / f"{self.key}.lock"
        self._lock = QLockFile(str(self.lock_path))
        self._lock.setStaleLockTime(0)  # stale only if its owner is dead, never by age
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    def try_become_primary(self) -> bool:
        """Take the lock and start listening; ``False`` if another process has it."""
        if self._server is not None:
            return True
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.key)  # a socket file left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            message = server.errorString()
            self._lock.unlock()
            raise OSError(f"cannot listen on local socket {self.key!r}: {message}")
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def send_to_primary(self, args: list[str], timeout_ms: int = 5000) -> bool:
        """Hand ``args`` to the primary; ``True`` once it acknowledged them.

        Works without an event loop (blocking socket calls).  Retries while
        the primary holds the lock but is not listening yet.  Pass absolute
        paths: the primary has its own working directory.
        """
        payload = json.dumps([str(a) for a in args]).encode("utf-8") + b"\n"
        deadline = time.monotonic() + timeout_ms / 1000

        def remaining_ms() -> int:
            return max(0, int((deadline - time.monotonic()) * 1000))

        socket = QLocalSocket()
        while True:
            socket.connectToServer(self.key)
            if socket.waitForConnected(min(remaining_ms(), 1000)):
                break
            socket.abort()
            if remaining_ms() == 0:
                return False
            time.sleep(0.05)
        _allow_primary_to_take_focus()
        socket.write(payload)
        if not socket.waitForBytesWritten(remaining_ms()):
            return False
        reply = b""
        while not reply.endswith(b"\n"):
            if not socket.bytesAvailable() and not socket.waitForReadyRead(remaining_ms()):
                return False
            reply += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        return reply == ACK

    def release(self) -> None:
        """Stop listening and unlock (also done by the OS when the process dies)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(partial(self._read, socket))
            socket.disconnected.connect(partial(self._forget, socket))
            self._read(socket)  # bytes may have arrived before the connection

    def _read(self, socket: QLocalSocket) -> None:
        if socket not in self._buffers:
            return
        data = self._buffers[socket] + bytes(socket.readAll().data())
        self._buffers[socket] = data
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE_BYTES:
                socket.abort()
            return
        line = data.split(b"\n", 1)[0]
        del self._buffers[socket]
        try:
            args = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            args = None
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            socket.abort()
            return
        socket.write(ACK)
        socket.flush()
        self.message_received.emit(args)

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


def raise_window(window: QWidget) -> None:
    """Bring ``window`` (a QWidget) to the front, restoring it if minimized."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()


def _allow_primary_to_take_focus() -> None:
    """On Windows only the foreground process may give the foreground away:
    the secondary (just started by Explorer) lets the primary raise itself."""
    if sys.platform == "win32":
        import ctypes

        ASFW_ANY = -1
        ctypes.windll.user32.AllowSetForegroundWindow(ASFW_ANY)
