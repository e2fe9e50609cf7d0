"""``photosort evaluate``: run the real pipeline on a labelled folder and score it.

DIR holds one folder per person. The pipeline runs in a temporary catalog.
When an image has several faces, the face nearest the image centre carries
the folder's label and the others are unlabelled and not scored (the LFW
convention); folders starting with ``_`` are scanned (their faces take part
in clustering, as in a real library) but not scored.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from photosort.services.analyze import AnalyzeSettings
from photosort.services.progress import Progress, no_progress
from photosort.store.db import Database

ALGORITHMS = ("hdbscan", "agglomerative", "kmeans", "dbscan")


@dataclass(frozen=True)
class EvaluationReport:
    """Scores of one clustering algorithm on one labelled folder."""

    algorithm: str
    pairwise_f: float
    precision: float
    recall: float
    bcubed_f: float
    bcubed_precision: float
    bcubed_recall: float
    ari: float
    nmi: float
    silhouette: float | None
    n_images: int
    n_faces: int
    n_labelled_faces: int
    n_missed: int
    n_people: int
    n_clusters: int
    seconds: float
    effort: dict | None = None  # ``services.effort.EffortReport.as_dict()`` with ``--effort``

    def as_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        sil = "n/a" if self.silhouette is None else f"{self.silhouette:.3f}"
        return "\n".join([
            f"algorithm        {self.algorithm}",
            f"pairwise         P {self.precision:.3f}  R {self.recall:.3f}  F {self.pairwise_f:.3f}",
            f"BCubed           P {self.bcubed_precision:.3f}  R {self.bcubed_recall:.3f}"
            f"  F {self.bcubed_f:.3f}",
            f"ARI / NMI        {self.ari:.3f} / {self.nmi:.3f}",
            f"silhouette       {sil}",
            f"images           {self.n_images} ({self.n_missed} labelled images with no face found)",
            f"faces            {self.n_faces} found, {self.n_labelled_faces} labelled",
            f"people           {self.n_people} true, {self.n_clusters} found",
            f"seconds          {self.seconds:.1f}",
            *([_effort_text(self.effort)] if self.effort else []),
            ""])


def _effort_text(effort: dict) -> str:
    from photosort.services.effort import EffortReport

    return EffortReport(**effort).format().rstrip("\n")


def labelled_images(root: Path, limit: int | None = None) -> dict[str, str]:
    """Absolute image path → person label, from ``root/<person>/<image>``."""
    from photosort.media.discover import iter_photos

    people = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith(("_", ".")))
    if limit:
        people = people[:limit]
    labels: dict[str, str] = {}
    for person in people:
        for path in iter_photos([person]):
            labels[str(Path(path).absolute())] = person.name
    return labels


def evaluate(root: Path, *, algorithm: str = "hdbscan", settings: AnalyzeSettings | None = None,
             workers: int | None = None, limit: int | None = None,
             progress: Progress = no_progress, db_path: Path | None = None,
             effort: bool = False) -> list[EvaluationReport]:
    """Scan ``root`` into a temporary catalog and score one or all algorithms.

    ``effort`` also counts the simulated user's actions (``services.effort``)."""
    from photosort.services.scan import scan

    settings = settings or AnalyzeSettings()
    started = time.monotonic()
    labels = labelled_images(root.absolute(), limit)
    folders = sorted({str(Path(p).parent) for p in labels})
    if limit is None:
        folders = [str(root.absolute())]
    with tempfile.TemporaryDirectory(prefix="photosort-eval-") as tmp:
        db = Database(db_path or Path(tmp) / "eval.sqlite3")
        try:
            scan(db, folders, settings=settings, progress=progress, workers=workers)
            scan_seconds = time.monotonic() - started
            faces = labelled_faces(db, labels, settings.model_id)
            cost = None
            if effort:
                from photosort.services.effort import measure_effort

                cost = measure_effort(db.path, settings.model_id, faces.truth()).as_dict()
        finally:
            db.close()
    names = [algorithm] if algorithm != "all" else list(ALGORITHMS)
    reports = [_score(name, faces, labels, scan_seconds) for name in names]
    return [replace(r, effort=cost) if r.algorithm == "hdbscan" else r for r in reports]


@dataclass
class LabelledFaces:
    embeddings: np.ndarray
    person: np.ndarray       # the catalog's person id (-1 = unknown) for every face
    photo: np.ndarray
    label_index: np.ndarray  # indices of labelled faces
    labels: list[str]
    n_faces: int
    missed: int
    face_ids: np.ndarray | None = None  # catalog face id of every face

    def truth(self) -> dict[int, str]:
        """face id → label for the labelled faces."""
        return {int(self.face_ids[i]): lab for i, lab in zip(self.label_index, self.labels)}


def labelled_faces(db: Database, labels: dict[str, str], model_id: str) -> LabelledFaces:
    rows = db.query(
        "SELECT f.id, f.photo_id, f.x1, f.y1, f.x2, f.y2, f.embedding, p.path, p.width, p.height,"
        " fp.person_id FROM faces f JOIN photos p ON p.id = f.photo_id"
        " LEFT JOIN face_person fp ON fp.face_id = f.id WHERE f.model = ? ORDER BY f.id",
        (model_id,))
    emb = np.stack([np.frombuffer(r["embedding"], "<f4") for r in rows]) if rows else \
        np.zeros((0, 128), np.float32)
    person = np.array([r["person_id"] if r["person_id"] is not None else -1 for r in rows])
    photo = np.array([r["photo_id"] for r in rows])
    best: dict[str, tuple[float, int]] = {}
    for i, r in enumerate(rows):
        if r["path"] not in labels:
            continue
        cx, cy = (r["x1"] + r["x2"]) / 2, (r["y1"] + r["y2"]) / 2
        d = (cx - r["width"] / 2) ** 2 + (cy - r["height"] / 2) ** 2
        if r["path"] not in best or d < best[r["path"]][0]:
            best[r["path"]] = (d, i)
    index = np.array(sorted(i for _, i in best.values()), dtype=int)
    paths = [rows[i]["path"] for i in index]
    return LabelledFaces(emb, person, photo, index, [labels[p] for p in paths], len(rows),
                  missed=len(labels) - len(best), face_ids=np.array([r["id"] for r in rows]))


def _score(algorithm: str, faces: LabelledFaces, labels: dict[str, str],
           scan_seconds: float) -> EvaluationReport:
    from photosort.core.baselines import cluster_with
    from photosort.core.metrics import score_clustering

    started = time.monotonic()
    if algorithm == "hdbscan":
        predicted = faces.person  # exactly what the product shows
    else:
        predicted = cluster_with(algorithm, faces.embeddings)
    idx = faces.label_index
    scores = score_clustering(faces.labels, predicted[idx], faces.embeddings[idx])
    return EvaluationReport(
        algorithm=algorithm, pairwise_f=scores.pairwise_f, precision=scores.pairwise_precision,
        recall=scores.pairwise_recall, bcubed_f=scores.bcubed_f,
        bcubed_precision=scores.bcubed_precision, bcubed_recall=scores.bcubed_recall,
        ari=scores.ari, nmi=scores.nmi, silhouette=scores.silhouette, n_images=len(labels),
        n_faces=faces.n_faces, n_labelled_faces=len(idx), n_missed=faces.missed,
        n_people=len(set(labels.values())), n_clusters=scores.n_clusters,
        seconds=scan_seconds + time.monotonic() - started)
