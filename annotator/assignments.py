"""Sharing documents out: with ``reviewers_per_document`` K, each document goes to K
reviewers, balancing their load.

An assignment is the reviewer's ``DocumentReview`` row (status ``not_started`` until they
start). The number of reviewers on a document is the number of such rows. Concurrent requests
are resolved without locks: a new assignment is inserted, and if the document then has more
than K reviewers, the assignments beyond the first K (by id) back off.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .accounts import require_user
from .errors import Conflict, Forbidden, Invalid, NotFound
from .extensions import db
from .models import Annotation, Document, DocumentReview, ParagraphReview, Project, User, utcnow


def is_assigned(document: Document, user: User) -> bool:
    return db.session.scalar(
        select(DocumentReview.id).where(DocumentReview.document_id == document.id,
                                        DocumentReview.reviewer_id == user.id)
    ) is not None


def require_assignment(document: Document, user: User) -> None:
    """With K reviewers per document, a reviewer works only on the documents assigned to
    them (admins anywhere)."""
    if document.project.reviewers_per_document and not user.is_admin \
            and not is_assigned(document, user):
        raise Forbidden("This document is not assigned to you; ask for the next document.")


def assigned_document_ids(project: Project, user: User) -> set[int]:
    return set(db.session.scalars(
        select(DocumentReview.document_id)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id, DocumentReview.reviewer_id == user.id)
    ))


def _reviewer_counts(project: Project) -> dict[int, int]:
    return dict(db.session.execute(
        select(Document.id, func.count(DocumentReview.id))
        .outerjoin(DocumentReview, DocumentReview.document_id == Document.id)
        .where(Document.project_id == project.id)
        .group_by(Document.id)
    ).all())


def _assign(document_id: int, user_id: int, limit: int) -> bool:
    """Insert the assignment; keep it only if it is among the first ``limit`` of the
    document. Returns whether the reviewer got the document."""
    row = DocumentReview(document_id=document_id, reviewer_id=user_id, status="not_started",
                         assigned_at=utcnow(), updated_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False  # already assigned (a concurrent request of the same reviewer)
    before = db.session.scalar(
        select(func.count()).where(DocumentReview.document_id == document_id,
                                   DocumentReview.id <= row.id))
    if before > limit:
        db.session.delete(row)
        db.session.flush()
        return False
    return True


def next_document(project: Project, user: User) -> Document | None:
    """The caller's next document (INTERFACE.md, POST /api/projects/SLUG/next)."""
    submitted = select(DocumentReview.document_id).where(
        DocumentReview.reviewer_id == user.id, DocumentReview.status == "submitted")
    k = project.reviewers_per_document
    if not k:
        return db.session.scalar(
            select(Document).where(Document.project_id == project.id,
                                   Document.id.not_in(submitted))
            .order_by(Document.id).limit(1))
    mine = db.session.scalar(
        select(Document)
        .join(DocumentReview, DocumentReview.document_id == Document.id)
        .where(Document.project_id == project.id, DocumentReview.reviewer_id == user.id,
               DocumentReview.status != "submitted")
        .order_by(DocumentReview.assigned_at.is_(None), DocumentReview.assigned_at,
                  Document.id).limit(1))
    if mine is not None:
        return mine
    counts = _reviewer_counts(project)
    taken = assigned_document_ids(project, user)
    candidates = sorted((n, doc_id) for doc_id, n in counts.items()
                        if n < k and doc_id not in taken)
    for _, doc_id in candidates:
        if _assign(doc_id, user.id, k):
            db.session.commit()
            return db.session.get(Document, doc_id)
    db.session.commit()
    return None


def assign_documents(project: Project, reviewers: Sequence[str]) -> dict[str, int]:
    """Give every document of the project K reviewers from ``reviewers``, each document to
    the least loaded reviewers not yet on it, so that no reviewer has more than one document
    above another. Existing assignments count. Returns the new assignments per reviewer."""
    k = project.reviewers_per_document
    if not k:
        raise Invalid("Set the project's reviewers per document first.",
                      "reviewers_per_document")
    users = [require_user(name) for name in reviewers]
    if len({u.id for u in users}) < k:
        raise Invalid(f"Each document needs {k} different reviewers; name at least {k}.",
                      "reviewers")
    existing = db.session.execute(
        select(DocumentReview.document_id, DocumentReview.reviewer_id)
        .join(Document, Document.id == DocumentReview.document_id)
        .where(Document.project_id == project.id)
    ).all()
    on_doc: dict[int, set[int]] = {}
    for doc_id, uid in existing:
        on_doc.setdefault(doc_id, set()).add(uid)
    load = {u.id: 0 for u in users}
    for _, uid in existing:
        if uid in load:
            load[uid] += 1
    order = {u.id: i for i, u in enumerate(sorted(users, key=lambda u: u.username.lower()))}
    added = {u.username: 0 for u in users}
    names = {u.id: u.username for u in users}
    rows = []
    now = utcnow()
    doc_ids = list(db.session.scalars(
        select(Document.id).where(Document.project_id == project.id).order_by(Document.id)))
    new = plan_assignments(doc_ids, on_doc, load, order, k)
    for uid, documents in new.items():
        added[names[uid]] = len(documents)
        rows.extend({"document_id": doc_id, "reviewer_id": uid, "status": "not_started",
                     "assigned_at": now, "updated_at": now} for doc_id in sorted(documents))
    if rows:
        db.session.execute(DocumentReview.__table__.insert(), rows)
    db.session.commit()
    return added


def plan_assignments(doc_ids: Sequence[int], on_doc: dict[int, set[int]], load: dict[int, int],
                     order: dict[int, int], k: int) -> dict[int, set[int]]:
    """The new assignments (reviewer -> documents) that give every document ``k`` reviewers
    (or all the reviewers there are) from those of ``load`` (reviewer -> documents they have
    now), the least loaded first and ties by ``order``; then evened out (``_balance``): the
    most loaded reviewer ends with as few documents as any plan could give them.

    ``on_doc`` (document -> its reviewers) and ``load`` are updated to the plan's end."""
    new: dict[int, set[int]] = {uid: set() for uid in load}
    for doc_id in doc_ids:
        present = on_doc.setdefault(doc_id, set())
        need = k - len(present)
        if need <= 0:
            continue
        choices = sorted((uid for uid in load if uid not in present),
                         key=lambda uid: (load[uid], order[uid]))[:need]
        for uid in choices:
            load[uid] += 1
            present.add(uid)
            new[uid].add(doc_id)
    _balance(new, on_doc, load, order)
    return new


def _balance(new: dict[int, set[int]], on_doc: dict[int, set[int]], load: dict[int, int],
             order: dict[int, int]) -> None:
    """Even out the loads by moving new assignments (never those made before).

    Taking documents in order and each to the least loaded reviewers can leave a reviewer two
    or more documents above another when earlier assignments stand in the way (the least
    loaded one is already on the last documents). While that is so, a chain of moves takes
    one document off the most loaded reviewer: it goes to a reviewer not on it, who hands one
    of their new documents on, and so on, until one reaches a reviewer at least two below
    (breadth first: the shortest chain). Every chain lowers the sum of the squared loads, so
    this ends; it stops where no chain exists. Then no plan has a lower maximum: a better one
    would differ from this one by such a chain.
    """
    reviewers = sorted(load, key=lambda uid: order[uid])
    while True:
        for top in sorted(reviewers, key=lambda uid: (-load[uid], order[uid])):
            if load[top] - min(load.values()) < 2:
                return
            path = _chain(top, new, on_doc, load, reviewers)
            if path is not None:
                for doc_id, giver, taker in path:
                    new[giver].remove(doc_id)
                    new[taker].add(doc_id)
                    on_doc[doc_id].remove(giver)
                    on_doc[doc_id].add(taker)
                load[top] -= 1
                load[path[-1][2]] += 1
                break
        else:
            return


def _chain(top: int, new: dict[int, set[int]], on_doc: dict[int, set[int]],
           load: dict[int, int], reviewers: list[int]) -> list[tuple[int, int, int]] | None:
    """The shortest chain of moves (document, from, to) from ``top`` to a reviewer at least
    two documents below it, or None."""
    came: dict[int, tuple[int, int] | None] = {top: None}
    frontier = [top]
    while frontier:
        following = []
        for giver in frontier:
            for doc_id in sorted(new[giver]):
                if len(came) == len(reviewers):
                    break
                for taker in reviewers:
                    if taker in came or taker in on_doc[doc_id]:
                        continue
                    came[taker] = (giver, doc_id)
                    if load[taker] <= load[top] - 2:
                        path = []
                        while came[taker] is not None:
                            giver_, doc_ = came[taker]
                            path.append((doc_, giver_, taker))
                            taker = giver_
                        return path[::-1]
                    following.append(taker)
        frontier = following
    return None


def reassign(document: Document, from_name: str, to_name: str) -> None:
    """Move an assignment that has not been started to another reviewer."""
    source, target = require_user(from_name), require_user(to_name)
    row = db.session.scalar(select(DocumentReview).where(
        DocumentReview.document_id == document.id, DocumentReview.reviewer_id == source.id))
    if row is None:
        raise NotFound(f"Document {document.id} is not assigned to {source.username}.")
    if row.status == "submitted":
        raise Conflict(f"{source.username} has submitted document {document.id}; "
                       f"submitted work is not reassigned.")
    started = db.session.scalar(select(func.count()).select_from(Annotation).where(
        Annotation.document_id == document.id, Annotation.reviewer_id == source.id)) or \
        db.session.scalar(select(func.count()).select_from(ParagraphReview).where(
            ParagraphReview.document_id == document.id,
            ParagraphReview.reviewer_id == source.id))
    if started:
        raise Conflict(f"{source.username} has started document {document.id}; reassigning "
                       f"it would strand that work.")
    if is_assigned(document, target):
        raise Conflict(f"Document {document.id} is already assigned to {target.username}.")
    db.session.execute(delete(DocumentReview).where(DocumentReview.id == row.id))
    db.session.add(DocumentReview(document_id=document.id, reviewer_id=target.id,
                                  status="not_started", assigned_at=utcnow(),
                                  updated_at=utcnow()))
    db.session.commit()


def team_progress(project: Project) -> dict:
    """Reviewer × document: status, reviewed paragraphs and spans, for the dashboard."""
    docs = db.session.execute(
        select(Document.id, Document.title, Document.paragraph_count)
        .where(Document.project_id == project.id).order_by(Document.id)).all()
    in_project = select(Document.id).where(Document.project_id == project.id)
    cells: dict[tuple[int, int], dict] = {}
    for doc_id, uid, status in db.session.execute(
        select(DocumentReview.document_id, DocumentReview.reviewer_id, DocumentReview.status)
        .where(DocumentReview.document_id.in_(in_project))
    ):
        cells[(uid, doc_id)] = {"status": status, "reviewed": 0, "spans": 0}
    for doc_id, uid, n in db.session.execute(
        select(ParagraphReview.document_id, ParagraphReview.reviewer_id, func.count())
        .where(ParagraphReview.document_id.in_(in_project))
        .group_by(ParagraphReview.document_id, ParagraphReview.reviewer_id)
    ):
        cells.setdefault((uid, doc_id), {"status": "in_progress", "reviewed": 0, "spans": 0})
        cells[(uid, doc_id)]["reviewed"] = n
    for doc_id, uid, n in db.session.execute(
        select(Annotation.document_id, Annotation.reviewer_id, func.count())
        .where(Annotation.document_id.in_(in_project))
        .group_by(Annotation.document_id, Annotation.reviewer_id)
    ):
        cells.setdefault((uid, doc_id), {"status": "in_progress", "reviewed": 0, "spans": 0})
        cells[(uid, doc_id)]["spans"] = n
    user_ids = {uid for uid, _ in cells}
    users = db.session.execute(
        select(User.id, User.username).where(User.id.in_(user_ids))).all() if user_ids else []
    users = sorted(users, key=lambda u: u[1].lower())
    reviewers = []
    for uid, name in users:
        mine = [cells[(uid, d.id)] for d in docs if (uid, d.id) in cells]
        reviewers.append({
            "id": uid, "name": name, "assigned": len(mine),
            "submitted": sum(c["status"] == "submitted" for c in mine),
            "in_progress": sum(c["status"] == "in_progress" for c in mine),
            "spans": sum(c["spans"] for c in mine),
        })
    return {
        "documents": [{"id": d.id, "title": d.title, "paragraphs": d.paragraph_count,
                       "reviewers": sum(1 for uid, _ in users if (uid, d.id) in cells)}
                      for d in docs],
        "reviewers": reviewers,
        "cells": {(uid, doc_id): cell for (uid, doc_id), cell in cells.items()},
        "k": project.reviewers_per_document,
    }
