"""Fit the childness direction in dlib descriptor space: ``photosort/core/childness_weights.py``.

    uv run python benchmarks/fit_childness.py [--cache DIR] [--write]

dlib's descriptors encode age strongly, so a linear direction (logistic
regression, scikit-learn, C = 1, balanced classes) separates young children
from adults. It is fitted on the catalogs ``bench_review.py`` builds
(``--cache``, default ``../wt11-cache``; copy them first, the script opens
them read-only anyway):

* children: ``children_distinct`` (UTKFace, aged 0–10), the *even* half of
  the children in name order;
* adults: every face of the even half of ``lfw-dev``'s people (name order),
  and of ``five_celebrity``, ``bollywood_actors`` and ``blackpink`` (even
  half of each person's files; their few children — family photos,
  childhood photos — are label noise). Without blackpink, 39 % of its
  held-out faces (young women, heavy make-up) scored as children.

It reports on the *odd* halves (never fitted): the fraction of children and
of each adult set's faces scoring above the rule's threshold
(``core.thresholds``' ``child_score``), and the AUC. ``--write`` stores the
128 weights and the bias as JSON.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "photosort" / "core" / "childness_weights.py"
CATALOGS = ["lfw_children", "five_celebrity", "bollywood_actors", "blackpink",
            "bbt_face_api_examples", "deepface_testset", "face_recognition_examples"]
FIT_ADULTS = {"lfw_children", "five_celebrity", "bollywood_actors", "blackpink"}


HEADER = '''"""Fitted childness directions, one per embedder (numbers only; see :mod:`photosort.core.childness`).

Written by ``uv run python benchmarks/fit_childness.py --write`` — a logistic
regression on descriptors of the shared labelled sets (even halves; the odd
halves are held out and reported by the script). A statistic of descriptors,
no image data. Kept as code, like the thresholds in :mod:`photosort.core.thresholds`,
so that ``core`` reads no files and the frozen app needs no extra resource.
"""

#: embedder id → (bias, weights); an embedder missing here has no children's rule.
DIRECTIONS: dict[str, tuple[float, tuple[float, ...]]] = {
'''


def weights_module(embedder: str, bias: float, weights: np.ndarray) -> str:
    """The text of ``photosort/core/childness_weights.py`` holding one fitted direction."""
    values = [repr(round(float(x), 6)) for x in weights]
    rows = ["        " + ", ".join(values[i:i + 6]) + "," for i in range(0, len(values), 6)]
    return (HEADER + f"    {embedder!r}: ({round(float(bias), 6)!r}, (\n" + "\n".join(rows)
            + "\n    )),\n}\n")


def faces_of(path: Path) -> tuple[np.ndarray, list[str]]:
    """(descriptors, photo paths) of every face of a catalog."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = con.execute("SELECT f.embedding, p.path FROM faces f JOIN photos p ON p.id = f.photo_id"
                       " WHERE f.embedding IS NOT NULL ORDER BY p.path, f.id").fetchall()
    con.close()
    return np.stack([np.frombuffer(r[0], dtype=np.float32) for r in rows]).astype(float), \
        [r[1] for r in rows]


def halves(paths: list[str], by_person: bool) -> np.ndarray:
    """True for the fitting half: even index of the person (lfw) or of the file within its folder."""
    keys = [Path(p).parent.name if by_person else p for p in paths]
    order = {k: i for i, k in enumerate(sorted(set(keys)))} if by_person else None
    if by_person:
        return np.array([order[k] % 2 == 0 for k in keys])
    rank: dict[str, list[str]] = {}
    for p in sorted(set(paths)):
        rank.setdefault(str(Path(p).parent), []).append(p)
    index = {p: i for files in rank.values() for i, p in enumerate(files)}
    return np.array([index[p] % 2 == 0 for p in paths])


def main(argv: list[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from photosort.core.thresholds import THRESHOLDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=REPO.parent / "wt11-cache")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args(argv)
    fit_X, fit_y, held = [], [], {}
    for name in CATALOGS:
        X, paths = faces_of(args.cache / f"{name}.sqlite3")
        child = np.array(["/children_distinct/" in p for p in paths])
        lfw = np.array(["/lfw-dev/" in p for p in paths])
        fit = np.where(lfw | child, halves(paths, by_person=True), halves(paths, by_person=False))
        if name in FIT_ADULTS:
            fit_X.append(X[fit])
            fit_y.append(child[fit])
        if child.any():
            held["children_distinct"] = X[child & ~fit]
            held["lfw-dev"] = X[lfw & ~fit]
        else:
            held[name] = X[~fit] if name in FIT_ADULTS else X
    clf = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced")
    clf.fit(np.concatenate(fit_X), np.concatenate(fit_y))
    w, b = clf.coef_[0], float(clf.intercept_[0])
    threshold = THRESHOLDS["dlib-resnet-v1"].child_score
    kids = held["children_distinct"] @ w + b
    adults = held["lfw-dev"] @ w + b
    auc = roc_auc_score(np.r_[np.ones(len(kids)), np.zeros(len(adults))], np.r_[kids, adults])
    print(f"held-out halves (never fitted); share of faces scoring > {threshold}:")
    print(f"{'set':28} {'faces':>6} {'> thr':>7}")
    for name, X in held.items():
        s = X @ w + b
        print(f"{name:28} {len(X):6d} {float((s > threshold).mean()):7.3f}")
    print(f"AUC children vs lfw-dev (held out): {auc:.4f}")
    if args.write:
        OUT.write_text(weights_module("dlib-resnet-v1", b, w))
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
