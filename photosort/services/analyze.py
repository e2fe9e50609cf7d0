"""Analyze photos: decode, detect faces, align and embed them — in worker processes.

Whole photos are spread over worker processes with one torch thread each
(the thread policy, :mod:`photosort.core.threads`): on a 2-core laptop that
is about twice as fast as one process, while torch with all threads
collapses as soon as anything else is busy. Small jobs run
in-process, since starting a worker (importing torch, loading the models)
costs about 2.5 s; a :class:`WorkerPool` can be started ahead of the first
photo, so that this start-up overlaps the scan's discovery of files.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from photosort.core import defaults
from photosort.core.records import DetectedFace
from photosort.media.sharpness import face_sharpness
from photosort.ml.detector import DETECTOR_ID
from photosort.services.progress import CancelToken

EMBEDDERS = {"dlib-resnet-v1": "1", "hse-faceres": "1"}
"""Embedder name → version; the name is ``AnalyzeSettings.embedder`` / CLI ``--embedder``."""
IN_PROCESS_BELOW = 24
DECODE_MIN_FRACTION = 0.9
"""A JPEG that the decoder itself brings to 90–100 % of ``max_side`` is detected at
that size, without a resize (``photosort.media.decode.load_image``)."""


@dataclass(frozen=True)
class AnalyzeSettings:
    """What decides a photo's faces; changing any of it means re-analysis."""

    min_face_size: int = defaults.MIN_FACE_SIZE
    threshold: float = defaults.THRESHOLD
    max_side: int = defaults.MAX_SIDE
    embedder: str = "dlib-resnet-v1"
    mirror: bool = True
    device: str | None = None

    def __post_init__(self) -> None:
        if self.embedder not in EMBEDDERS:
            raise ValueError(f"unknown embedder {self.embedder!r}; choose one of {', '.join(EMBEDDERS)}")

    @property
    def model_id(self) -> str:
        return f"{self.embedder}@{EMBEDDERS[self.embedder]}" + ("+mirror" if self.mirror else "")

    @property
    def fingerprint(self) -> str:
        return (f"{DETECTOR_ID}:min{self.min_face_size}:p{self.threshold:g}:side{self.max_side}"
                f"~{DECODE_MIN_FRACTION:g}"
                f"|{self.model_id}")


@dataclass(frozen=True)
class PhotoAnalysis:
    """The outcome for one photo: faces in original pixels and their embeddings, or an error."""

    path: str
    width: int = 0
    height: int = 0
    faces: list[DetectedFace] = field(default_factory=list)
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, 128), np.float32))
    error: str | None = None
    error_kind: str = "permanent"
    """With ``error``: ``transient`` (retried on the next scan) or ``permanent`` (retried
    once the file's size or time changes); see :func:`error_kind`."""
    names: dict[int, str] = field(default_factory=dict)
    tag_errors: list[str] = field(default_factory=list)


TRANSIENT_KINDS = frozenset({"missing", "permission", "io"})
"""``ImageError`` kinds that may pass: locked or unreadable for now (permission, a sharing
violation, an I/O error). Empty, truncated, corrupt, unsupported or too large files
stay so until they are rewritten."""


def error_kind(exc: BaseException) -> str:
    """``transient`` or ``permanent`` for an exception raised while reading a photo."""
    kind = getattr(exc, "kind", None)
    if kind is not None:
        return "transient" if str(kind) in TRANSIENT_KINDS else "permanent"
    return "transient" if isinstance(exc, (OSError, MemoryError)) else "permanent"


class Analyzer:
    """Detector + embedder in this process, created on first use."""

    def __init__(self, settings: AnalyzeSettings) -> None:
        self.settings = settings
        self._detector = None
        self._embedder = None

    def _models(self):
        if self._detector is None:
            from photosort.core.threads import TORCH_THREADS
            from photosort.ml.detector import MtcnnDetector
            from photosort.ml.embedders import create_embedder
            from photosort.ml.runtime import set_threads

            set_threads(TORCH_THREADS)  # in-process or in a worker: the thread policy
            s = self.settings
            self._detector = MtcnnDetector(min_face_size=s.min_face_size, threshold=s.threshold,
                                           max_side=s.max_side, device=s.device)
            self._embedder = create_embedder(s.embedder, device=s.device, mirror=s.mirror)
        return self._detector, self._embedder

    def analyze(self, path: str) -> PhotoAnalysis:
        from photosort.media.decode import ImageError, load_image
        from photosort.media.errors import file_error

        detector, embedder = self._models()
        try:
            before = _stamp(path)
            loaded = load_image(path, max_side=self.settings.max_side, min_fraction=DECODE_MIN_FRACTION)
            if _stamp(path) != before:
                return PhotoAnalysis(path, error="the file changed while it was being read",
                                     error_kind="transient")
        except ImageError as exc:
            return PhotoAnalysis(path, error=exc.reason, error_kind=error_kind(exc))
        except OSError as exc:
            error = file_error(Path(path), exc)
            return PhotoAnalysis(path, error=error.reason, error_kind=error_kind(error))
        except MemoryError:
            return PhotoAnalysis(path, error="not enough memory to decode this image",
                                 error_kind="transient")
        width, height = loaded.original_size
        faces = detector.detect(loaded.pixels)
        faces = [replace(f, sharpness=face_sharpness(  # for the cover (services.cover)
            loaded.pixels, (f.box.x1, f.box.y1, f.box.x2, f.box.y2))) for f in faces]
        if faces:
            landmarks = np.stack([f.landmarks for f in faces])
            boxes = np.array([[f.box.x1, f.box.y1, f.box.x2, f.box.y2] for f in faces])
            embeddings = embedder.embed(loaded.pixels, landmarks, boxes).astype(np.float32)
        else:
            embeddings = np.zeros((0, embedder.dim), np.float32)
        scale = 1.0 / loaded.scale
        result = PhotoAnalysis(path, width, height, [f.scaled(scale) for f in faces], embeddings)
        from photosort.services.face_tags import attach_tags_safely

        return attach_tags_safely(result, loaded.pixels, loaded.scale, embedder, device=detector.device)


def _stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino


_worker: Analyzer | None = None


def _init_worker(settings: AnalyzeSettings) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    from photosort.core.threads import TORCH_THREADS
    from photosort.ml.runtime import set_threads

    set_threads(TORCH_THREADS)  # imports torch now, while the scan still finds files
    _worker = Analyzer(settings)


def _ready() -> bool:
    """A no-op task: a worker that ran it has its models loaded."""
    return _worker is not None


def _run_worker(path: str) -> PhotoAnalysis:
    assert _worker is not None
    try:
        return _worker.analyze(path)
    except Exception as exc:  # a bug or a model failure on one photo must not stop the scan
        return PhotoAnalysis(path, error=f"analysis failed: {type(exc).__name__}: {exc}")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class WorkerPool:
    """Analysis worker processes that may be started before the photos are known.

    :meth:`start` spawns the workers and has each load its models (in the
    background: it returns at once); :func:`analyze_paths` then takes the
    pool over. A pool that was never used is shut down by :meth:`close`.
    """

    def __init__(self, settings: AnalyzeSettings, workers: int | None = None) -> None:
        self.settings = settings
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None

    @property
    def used(self) -> bool:
        """Whether analysis would run in worker processes at all (more than one core)."""
        return self.workers > 1

    @property
    def started(self) -> bool:
        return self._executor is not None

    def start_if_worth(self, count: int) -> None:
        """:meth:`start`, once ``count`` photos to analyze are enough for worker processes."""
        if count >= IN_PROCESS_BELOW:
            self.start()

    def start(self) -> None:
        """Spawn the workers now and let them load their models."""
        if self._executor is None and self.used:
            self._executor = _new_executor(self.settings, self.workers)
            for _ in range(self.workers):
                self._executor.submit(_ready)

    def take(self) -> ProcessPoolExecutor:
        """The (started) executor; from now on the caller shuts it down."""
        self.start()
        executor, self._executor = self._executor, None
        assert executor is not None
        return executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _new_executor(settings: AnalyzeSettings, workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(settings,))


def analyze_paths(paths: Iterable[str], settings: AnalyzeSettings, *, count: int,
                  workers: int | None = None, cancel: CancelToken | None = None,
                  analyzer: Analyzer | None = None,
                  pool: WorkerPool | None = None) -> Iterator[PhotoAnalysis]:
    """Yield one :class:`PhotoAnalysis` per path, in completion order.

    ``count`` decides in-process vs worker processes (``pool``'s, if given and
    they are used); ``cancel`` stops the job between photos
    (:class:`~photosort.services.progress.Cancelled`).
    """
    cancel = cancel or CancelToken()
    workers = pool.workers if pool else (workers or default_workers())
    if workers <= 1 or count < IN_PROCESS_BELOW:
        if pool:
            pool.close()
        local = analyzer or Analyzer(settings)
        for path in paths:
            cancel.check()
            try:
                yield local.analyze(path)
            except Exception as exc:
                yield PhotoAnalysis(path, error=f"analysis failed: {type(exc).__name__}: {exc}")
        return
    first = pool.take() if pool else None
    yield from _pooled(iter(paths), settings, workers, cancel, first)


def _pooled(paths: Iterator[str], settings: AnalyzeSettings, workers: int,
            cancel: CancelToken, first: ProcessPoolExecutor | None = None) -> Iterator[PhotoAnalysis]:
    """Photos spread over worker processes.

    A photo that kills its worker (a crash in a decoder, memory exhaustion)
    breaks the whole pool: the photos then in flight are retried one at a
    time in a fresh pool, and the one that breaks it again is reported as an
    error instead of stopping the scan.
    """
    pool = first or _new_executor(settings, workers)
    pending: dict[Future, str] = {}
    suspects: list[str] = []
    try:
        while True:
            while suspects and not pending:  # one at a time, so a crash names its photo
                path = suspects.pop()
                try:
                    yield pool.submit(_run_worker, path).result()
                except BrokenProcessPool:
                    pool = _new_executor(settings, workers)
                    yield PhotoAnalysis(path, error="this photo crashed the face analyzer")
                cancel.check()
            while len(pending) < workers * 3 and not suspects:
                path = next(paths, None)
                if path is None:
                    break
                pending[pool.submit(_run_worker, path)] = path
            if not pending and not suspects:
                return
            if not pending:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                path = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool:
                    suspects.append(path)
            if suspects:  # the pool is broken: everything in flight is suspect
                suspects.extend(pending.values())
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_executor(settings, workers)
            cancel.check()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
