"""Probe: does this Windows (or Wine) consume an empty pipe message the way it reports?

Pure multiprocessing, no PhotoSort. ``multiprocessing.connection.wait`` on
Windows starts a zero-length overlapped ``ReadFile`` on each pipe. Windows 8
and later consume a pending empty message with it; Windows 7 did not, and
CPython picks the behaviour from ``sys.getwindowsversion()``
(``>= (6, 2)``). Wine 8's pipes consume the message (Windows 8+ behaviour)
while a default wine 8 prefix reports Windows 7 (6.1): CPython then thinks the
message is still there, and the next ``recv_bytes`` blocks forever.
``ProcessPoolExecutor`` wakes its manager thread with exactly such empty
messages (``_ThreadWakeup.wakeup`` → ``send_bytes(b"")``, drained by
``clear()``), so every pool hangs at its first task with all workers idle.
Real Windows 10+ reports 10.0 and is not affected.

    python probe_empty_pipe_message.py   → prints one line; exit 0 ok, 1 stalls

Run it as the same ``python.exe`` that would run the scan (Wine's version
setting is per prefix and per program).
"""

import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pipe, get_context


def _double(i: int) -> int:
    return 2 * i


def _returns_within(seconds: float, fn) -> bool:
    done = threading.Event()

    def run() -> None:
        fn()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(seconds)


def _empty_message() -> None:
    reader, writer = Pipe(duplex=False)
    writer.send_bytes(b"")
    while reader.poll():      # what ProcessPoolExecutor's _ThreadWakeup.clear() does
        reader.recv_bytes()


def _pool() -> None:
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        assert list(pool.map(_double, range(4))) == [0, 2, 4, 6]


def main() -> int:
    version = ".".join(map(str, sys.getwindowsversion()[:2])) if sys.platform == "win32" else sys.platform
    if not _returns_within(10, _empty_message):
        print(f"STALL: an empty pipe message polled and not there to receive (reported Windows {version}); "
              "ProcessPoolExecutor hangs")
        return 1
    if not _returns_within(120, _pool):
        print(f"STALL: a 2-process ProcessPoolExecutor did not finish 4 tasks in 120 s (reported Windows {version})")
        return 1
    print(f"ok: empty pipe messages and a 2-process pool work (reported Windows {version})")
    return 0


if __name__ == "__main__":
    sys.stdout.flush()
    code = main()
    sys.stdout.flush()
    import os
    os._exit(code)  # a stalled daemon thread or pool must not keep the process alive
