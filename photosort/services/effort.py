"""The cost metric: how many actions a user needs to turn the app's grouping into a perfect library.

A simulated user who knows the truth (``face id → label`` for the labelled
faces) works through the app's own features — the same service functions
the GUI calls (``PeopleEditor``, ``suggest``, ``proposals``) — until the
library is perfect: every labelled face of a label with at least two
labelled faces sits in a person named with that label, and no person holds
labelled faces of two labels. Costs: naming 1; answering a suggestion or a
proposal 1; "Yes to all on this page" 1 plus 1 per face unticked (or, after
"Untick all" (1), 1 per face ticked again); removing
faces from a person 1 per face plus 1; moving a face by hand 2; merging by
hand 2; a new person from unknown faces 1 per face plus 2 (command, name).

The user works in the order a person would:

1. down the People list, largest first, naming each group whose (majority)
   label has no person yet, after removing the faces of other labels;
2. (assisted only) the Review: suggestion pages in the order shown, then the
   first proposal, then suggestions again, until nothing is left;
3. by hand, whatever is still wrong: foreign faces out, the remaining groups
   of a label merged into its person, its stray faces moved there.

:func:`measure_effort` runs the user with and without step 2 on two copies
of one catalog, so the gain is a ratio from the same run.
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from photosort.core.metrics import pairwise_scores
from photosort.services import proposals as proposals_service
from photosort.services import suggest as suggest_service
from photosort.services.edits import PeopleEditor
from photosort.store.db import Database, copy_catalog

MAX_REVIEW_STEPS = 100_000
UNLABELLED = ("cheaper", "photo")
"""How the simulated user answers "Is this Ann?" about an unlabelled face (another face of a
labelled photo, whose truth nobody knows). ``cheaper``: Yes, the cheaper answer on a page of
Yeses (a lower bound of the user's effort). ``photo``: No when the photo's labelled face is
Ann's — two faces of one photo are two people — else Yes (an upper bound: collages and
"then and now" pictures show one person twice, and on bollywood_actors many of those faces lie
0.25–0.4 from the person, where the Review rightly asks)."""


@dataclass
class EffortRun:
    """One simulated user's bill."""

    actions: int = 0
    by_kind: Counter = field(default_factory=Counter)
    perfect: bool = False
    unlabelled_answers: int = 0
    precision_after_review: float = 0.0
    recall_after_review: float = 0.0

    def spend(self, kind: str, n: int = 1) -> None:
        self.actions += n
        self.by_kind[kind] += n


@dataclass(frozen=True)
class EffortReport:
    """The ``effort`` object of ``evaluate --effort --json``."""

    actions: int
    actions_per_100_faces: float
    baseline_actions: int
    baseline_actions_per_100_faces: float
    by_kind: dict
    baseline_by_kind: dict
    labelled_faces: int
    true_people: int
    perfect: bool
    unlabelled_answers: int
    precision_after_review: float
    recall_after_review: float

    def as_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.by_kind.items()))
        return (f"effort           {self.actions} actions ({self.actions_per_100_faces:.1f} per 100"
                f" faces) with the review, {self.baseline_actions}"
                f" ({self.baseline_actions_per_100_faces:.1f}) without\n"
                f"                 {kinds}\n"
                f"after review     pairwise P {self.precision_after_review:.3f}"
                f"  R {self.recall_after_review:.3f}\n")


class _User:
    """The simulated user, working on one catalog."""

    def __init__(self, db: Database, model_id: str, truth: dict[int, str],
                 unlabelled: str = "cheaper") -> None:
        if unlabelled not in UNLABELLED:
            raise ValueError(f"unlabelled must be one of {', '.join(UNLABELLED)}")
        self.db, self.model_id, self.truth, self.unlabelled = db, model_id, truth, unlabelled
        self.editor = PeopleEditor(db)
        counts = Counter(truth.values())
        self.needs_name = {label for label, n in counts.items() if n >= 2}
        self.run = EffortRun()

    # -- what the user sees -----------------------------------------------------------
    def owners(self) -> dict[int, int]:
        return {r[0]: r[1] for r in self.db.query("SELECT face_id, person_id FROM face_person")}

    def names(self) -> dict[int, str | None]:
        return {r[0]: r[1] for r in self.db.query("SELECT id, name FROM people")}

    def labelled_by_person(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for face, person in self.owners().items():
            if face in self.truth:
                out[person].append(face)
        return out

    def label_of(self, person: int, faces: list[int], names: dict) -> str | None:
        if names.get(person) in self.needs_name:
            return names[person]
        counts = Counter(self.truth[f] for f in faces)
        return min(counts, key=lambda lab: (-counts[lab], lab)) if counts else None

    def named(self) -> dict[str, int]:
        return {n: p for p, n in self.names().items() if n}

    # -- the three steps --------------------------------------------------------------
    def name_largest(self) -> None:
        order = [r[0] for r in self.db.query(
            "SELECT p.id FROM people p JOIN face_person fp ON fp.person_id = p.id"
            " JOIN faces f ON f.id = fp.face_id WHERE p.hidden = 0 GROUP BY p.id"
            " ORDER BY COUNT(DISTINCT f.photo_id) DESC, p.id")]
        for person in order:
            faces = self.labelled_by_person().get(person, [])
            names = self.names()
            label = self.label_of(person, faces, names)
            if label is None or label not in self.needs_name or names.get(person) \
                    or label in self.named():
                continue
            self.remove_foreign(person, faces, label)
            self.editor.rename(person, label)
            self.run.spend("name")

    def review(self) -> None:
        for _ in range(MAX_REVIEW_STEPS):
            items = suggest_service.suggestions(self.db, self.model_id)
            if items:
                self.answer_page(suggest_service.pages(items)[0])
                continue
            props = proposals_service.proposals(self.db, self.model_id)
            if not props:
                return
            self.answer_proposal(props[0])

    def answer_page(self, page: list) -> None:
        """Answer one "Is this Ann?" page the cheapest way the Review offers.

        A labelled face is answered by its label. An unlabelled face (another
        face of a photo) has no truth; it is not scored, and how it is answered
        is ``unlabelled`` (see :data:`UNLABELLED`). ``unlabelled_answers``
        counts the unlabelled faces answered.

        Three ways to answer a page, the cheapest taken: face by face (1 each),
        untick the No faces and "Yes to all" (1 per untick + 1), or "Untick all",
        tick the Yes faces again and "Yes to all" (1 + 1 per tick + 1).
        """
        names = self.names()
        asked = names[page[0].person_id]
        wrong = [s.face_id for s in page if self._is_not(s.face_id, asked)]
        self.run.unlabelled_answers += sum(s.face_id not in self.truth for s in page)
        right = len(page) - len(wrong)
        cost = min(len(page), 1 + len(wrong), 2 + right)
        if cost < len(page):
            suggest_service.answer_page(self.editor, page, wrong)
            self.run.spend("suggestion_page", cost)
        else:
            suggest_service.accept(self.editor, [s for s in page if s.face_id not in wrong])
            suggest_service.reject(self.editor, [s for s in page if s.face_id in wrong])
            self.run.spend("suggestion", len(page))

    def _is_not(self, face: int, name: str | None) -> bool:
        """Whether the user answers No to "Is ``face`` ``name``?" (see :meth:`answer_page`)."""
        if face in self.truth:
            return self.truth[face] != name
        if self.unlabelled == "cheaper":
            return False
        photo_of, photo_label = self._photos
        return photo_label.get(photo_of.get(face)) == name

    @cached_property
    def _photos(self) -> tuple[dict[int, int], dict[int, str]]:
        """(face → photo, photo → its labelled face's label), read when first needed."""
        photo_of = {r[0]: r[1] for r in self.db.query("SELECT id, photo_id FROM faces")}
        return photo_of, {photo_of[f]: lab for f, lab in self.truth.items() if f in photo_of}

    def answer_proposal(self, proposal) -> None:
        """The user judges the two faces shown (a named person by their name)."""
        by_person, names = self.labelled_by_person(), self.names()
        a = names.get(proposal.a) or self.truth.get(proposal.face_a) or \
            self.label_of(proposal.a, by_person.get(proposal.a, []), names)
        b = names.get(proposal.b) or self.truth.get(proposal.face_b) or \
            self.label_of(proposal.b, by_person.get(proposal.b, []), names)
        if a is not None and a == b:
            proposals_service.accept(self.db, self.editor, proposal)
        else:
            proposals_service.reject(self.editor, proposal)
        self.run.spend("proposal")

    def fix_by_hand(self) -> None:
        names = self.names()
        for person, faces in self.labelled_by_person().items():
            self.remove_foreign(person, faces, self.label_of(person, faces, names))
        for label in sorted(self.needs_name):
            self.complete(label)

    def remove_foreign(self, person: int, faces: list[int], label: str | None) -> None:
        wrong = [f for f in faces if self.truth[f] != label]
        if wrong:
            self.editor.reject_faces(wrong, person)
            self.run.spend("remove", len(wrong) + 1)

    def complete(self, label: str) -> None:
        """Everything of ``label`` into its (named) person, by hand."""
        owners, names = self.owners(), self.names()
        mine = [f for f, lab in self.truth.items() if lab == label]
        groups = Counter(owners[f] for f in mine if f in owners)
        target = self.named().get(label)
        if target is None:
            unnamed = [p for p in groups if not names.get(p)]
            if unnamed:
                target = max(unnamed, key=lambda p: (groups[p], -p))
                self.editor.rename(target, label)
                self.run.spend("name")
            else:
                loose = [f for f in mine if f not in owners]
                target = self.editor.new_person(loose, label)
                self.run.spend("new_person", len(loose) + 2)
        by_person = self.labelled_by_person()
        for person in sorted(groups):
            if person != target and not names.get(person) and \
                    self.label_of(person, by_person.get(person, []), names) == label:
                self.editor.merge(target, [person])
                self.run.spend("merge", 2)
        owners = self.owners()
        stray = [f for f in mine if owners.get(f) != target]
        if stray:
            self.editor.move_faces(stray, target)
            self.run.spend("move", 2 * len(stray))

    # -- checks -----------------------------------------------------------------------
    def scores(self) -> tuple[float, float]:
        owners = self.owners()
        faces = sorted(self.truth)
        p, r, _ = pairwise_scores([self.truth[f] for f in faces], [owners.get(f, -1) for f in faces])
        return p, r

    def is_perfect(self) -> bool:
        owners, names = self.owners(), self.names()
        for face, label in self.truth.items():
            if label in self.needs_name and names.get(owners.get(face)) != label:
                return False
        return all(len({self.truth[f] for f in faces}) <= 1
                   for faces in self.labelled_by_person().values())


def simulate(db: Database, model_id: str, truth: dict[int, str], *, assisted: bool,
             unlabelled: str = "cheaper") -> EffortRun:
    """Run the simulated user on ``db`` (it is edited) and return the bill."""
    user = _User(db, model_id, truth, unlabelled)
    user.name_largest()
    if assisted:
        user.review()
    user.run.precision_after_review, user.run.recall_after_review = user.scores()
    user.fix_by_hand()
    user.run.perfect = user.is_perfect()
    return user.run


def measure_effort(db_path: Path, model_id: str, truth: dict[int, str],
                   unlabelled: str = "cheaper") -> EffortReport:
    """Both users (with and without the review) on copies of the catalog at ``db_path``;
    ``unlabelled`` says how unlabelled faces are answered (:data:`UNLABELLED`)."""
    runs = {}
    with tempfile.TemporaryDirectory(prefix="photosort-effort-") as tmp:
        for assisted in (True, False):
            copy = copy_catalog(db_path, Path(tmp) / f"{'with' if assisted else 'without'}.sqlite3")
            db = Database(copy)
            try:
                runs[assisted] = simulate(db, model_id, truth, assisted=assisted, unlabelled=unlabelled)
            finally:
                db.close()
    n = max(len(truth), 1)
    with_, without = runs[True], runs[False]
    return EffortReport(
        actions=with_.actions, actions_per_100_faces=100.0 * with_.actions / n,
        baseline_actions=without.actions, baseline_actions_per_100_faces=100.0 * without.actions / n,
        by_kind=dict(with_.by_kind), baseline_by_kind=dict(without.by_kind),
        labelled_faces=len(truth), true_people=sum(1 for c in Counter(truth.values()).values() if c >= 2),
        perfect=with_.perfect and without.perfect, unlabelled_answers=with_.unlabelled_answers,
        precision_after_review=with_.precision_after_review,
        recall_after_review=with_.recall_after_review)
