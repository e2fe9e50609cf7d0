"""Single-instance hand-off between real processes (offscreen Qt, local sockets)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from photosort.gui.single_instance import SingleInstance, default_key

# A PhotoSort-like process: becomes the primary and prints what it receives,
# or hands its arguments over and reports whether torch was imported.
CHILD = r"""
import json, sys
from PySide6.QtCore import QCoreApplication
from photosort.gui.single_instance import SingleInstance

key, lock_dir, *args = sys.argv[1:]
app = QCoreApplication([])
app.setApplicationName("PhotoSort")  # as the real app does
instance = SingleInstance(key, lock_dir)
if instance.try_become_primary():
    def received(message):
        print("received " + json.dumps(message), flush=True)
        if message == ["quit"]:
            app.quit()
    instance.message_received.connect(received)
    print("primary", flush=True)
    sys.exit(app.exec())
sent = instance.send_to_primary(args, timeout_ms=5000)
print("secondary sent=%s torch=%s" % (sent, "torch" in sys.modules), flush=True)
sys.exit(0 if sent else 3)
"""


@pytest.fixture()
def key() -> str:
    return f"photosort-test-{uuid.uuid4().hex[:12]}"


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}


def _start(key: str, lock_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, key, str(lock_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=_env(),
    )


def _run(key: str, lock_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, key, str(lock_dir), *args],
        capture_output=True, text=True, encoding="utf-8", env=_env(), timeout=60,
    )


def _expect_line(process: subprocess.Popen[str], expected: str) -> None:
    line = process.stdout.readline().strip()
    assert line == expected, (line, process.stderr.read() if process.poll() is not None else "")


def test_second_launch_hands_its_arguments_to_the_primary(key, tmp_path):
    primary = _start(key, tmp_path)
    try:
        _expect_line(primary, "primary")
        folder = r"\\server\share\Über München 写真"
        second = _run(key, tmp_path, "sort", folder)
        assert second.returncode == 0, second.stderr
        assert second.stdout.strip() == "secondary sent=True torch=False"
        _expect_line(primary, "received " + json.dumps(["sort", folder]))

        third = _run(key, tmp_path, "quit")
        assert third.returncode == 0, third.stderr
        _expect_line(primary, 'received ["quit"]')
        assert primary.wait(timeout=30) == 0
    finally:
        primary.kill()
        primary.wait()


def test_a_crashed_primary_leaves_no_lasting_lock(key, tmp_path):
    crashed = _start(key, tmp_path)
    _expect_line(crashed, "primary")
    assert (tmp_path / f"{key}.lock").exists()
    crashed.send_signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
    crashed.wait(timeout=30)

    successor = _start(key, tmp_path)
    try:
        _expect_line(successor, "primary")
        handed = _run(key, tmp_path, "sort", "/photos")
        assert handed.returncode == 0, handed.stderr
        _expect_line(successor, 'received ["sort", "/photos"]')
    finally:
        successor.kill()
        successor.wait()


def test_in_process_primary_emits_message_received(qtbot, key, tmp_path):
    instance = SingleInstance(key, tmp_path)
    assert instance.try_become_primary()
    try:
        assert not SingleInstance(key, tmp_path).try_become_primary()
        with qtbot.waitSignal(instance.message_received, timeout=20000) as blocker:
            second = subprocess.Popen(
                [sys.executable, "-c", CHILD, key, str(tmp_path), "sort", "C:\\."],
                stdout=subprocess.PIPE, text=True, env=_env(),
            )
        assert blocker.args == [["sort", "C:\\."]]
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=20000)
        assert second.returncode == 0
    finally:
        instance.release()
    # Released: the next process may take over.
    assert SingleInstance(key, tmp_path).try_become_primary()


def test_garbage_on_the_socket_is_refused_and_later_messages_still_arrive(qtbot, key, tmp_path):
    from PySide6.QtNetwork import QLocalSocket

    instance = SingleInstance(key, tmp_path)
    assert instance.try_become_primary()
    received = []
    instance.message_received.connect(received.append)
    try:
        rogue = QLocalSocket()
        rogue.connectToServer(key)
        assert rogue.waitForConnected(5000)
        rogue.write(b'{"not": "a list"}\n')
        rogue.flush()
        qtbot.waitUntil(lambda: rogue.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000)
        assert received == []

        second = subprocess.Popen(
            [sys.executable, "-c", CHILD, key, str(tmp_path), "sort", "/x"], env=_env(),
            stdout=subprocess.PIPE, text=True,
        )
        qtbot.waitUntil(lambda: received == [["sort", "/x"]], timeout=20000)
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=20000)
        assert second.returncode == 0
    finally:
        instance.release()


def test_sending_with_no_primary_gives_up_after_the_timeout(key, tmp_path):
    assert SingleInstance(key, tmp_path).send_to_primary(["sort", "/x"], timeout_ms=300) is False


def test_default_key_is_per_user_and_stable():
    assert default_key() == default_key()
    assert default_key().startswith("photosort-")
    assert len(default_key()) == len("photosort-") + 16


@pytest.mark.skipif(sys.platform == "win32",
                    reason="Windows keeps a live lock file open and undeletable; its age cannot matter")
def test_a_live_primary_is_never_timed_out_however_old_its_lock(key, tmp_path):
    instance = SingleInstance(key, tmp_path)
    assert instance.try_become_primary()
    try:
        an_hour_ago = instance.lock_path.stat().st_mtime - 3600
        os.utime(instance.lock_path, (an_hour_ago, an_hour_ago))
        assert not SingleInstance(key, tmp_path).try_become_primary()
    finally:
        instance.release()
