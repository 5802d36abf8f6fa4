"""Article-level questions (INTERFACE.md, "Article-level questions"): what a reviewer answers
once per document beside the spans (a primary frame, a tone ...), and the gold answers.

A reviewer's answers live on their review of the document (``DocumentReview.answers``); a PUT
replaces them all, checked against the codebook's questions (an unknown key or a value outside
the choices is refused naming the question). Once the document is submitted they are final,
as its spans are, and submitting needs every required question answered
(``annotations.submit_document`` asks ``missing_required``).

Gold answers (admins): accept a reviewer's, or what the reviewers' answers propose (the
majority for choices, booleans and sets, the median rank for an ordinal scale, the median for a
number), each with its provenance.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from sqlalchemy import delete, select

from .access import get_document, require_admin, require_assigned, require_spans_access
from .codebook import Codebook, load_codebook
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import Document, DocumentReview, GoldAnswer, User, utcnow

SUBMITTED = "You have submitted this document; its answers can no longer change."


def _review(document_id: int, user_id: int) -> DocumentReview | None:
    return db.session.scalar(select(DocumentReview).where(
        DocumentReview.document_id == document_id, DocumentReview.reviewer_id == user_id))


def get_answers(document_id: int, user: User, reviewer: str | None = None) -> dict:
    """The caller's answers (or another reviewer's, where the caller may see their work)."""
    document = get_document(document_id, user)
    owner = require_spans_access(document, user, reviewer) if reviewer else user
    review = _review(document.id, owner.id)
    return dict(review.answers or {}) if review else {}


def put_answers(document_id: int, user: User, payload: Any) -> dict:
    """Replace the caller's answers; returns them as stored."""
    document = get_document(document_id, user)
    codebook = load_codebook(document.project.codebook)
    answers = codebook.clean_answers(payload)
    review = _review(document.id, user.id)
    require_assigned(document.id, user, document.project.reviewers_per_document,
                     review is not None)
    if review is not None and review.status == "submitted":
        raise Conflict(SUBMITTED)
    if review is None:
        review = DocumentReview(document_id=document.id, reviewer_id=user.id,
                                status="in_progress", answers=answers)
        db.session.add(review)
    else:
        if review.status == "not_started":
            review.status = "in_progress"
        review.answers = answers
        review.updated_at = utcnow()
    db.session.commit()
    return answers


def missing_required(codebook: Codebook, answers: dict | None) -> Invalid | None:
    """The refusal of a submission that leaves a required question open, or None."""
    missing = codebook.missing_required(answers or {})
    if not missing:
        return None
    names = [codebook.questions[key].name for key in missing]
    return Invalid(f"Answer the required question{'s' if len(missing) > 1 else ''} "
                   f"{', '.join(repr(n) for n in names)} before submitting (“The article as "
                   f"a whole”).", missing[0])


# --- gold answers -------------------------------------------------------------------------------

def list_gold_answers(document: Document) -> dict[str, dict]:
    return {g.question: {"value": g.value, "provenance": g.provenance}
            for g in db.session.scalars(select(GoldAnswer)
                                        .where(GoldAnswer.document_id == document.id)
                                        .order_by(GoldAnswer.question))}


def reviewers_answers(document: Document) -> dict[str, dict]:
    """Every reviewer's answers to the document: {name: answers} (submitted or not)."""
    rows = db.session.execute(
        select(User.username, DocumentReview.answers, DocumentReview.status)
        .join(User, User.id == DocumentReview.reviewer_id)
        .where(DocumentReview.document_id == document.id)
        .order_by(User.username)).all()
    return {name: {"answers": answers or {}, "status": status}
            for name, answers, status in rows}


def adjudication(document: Document) -> dict:
    """What the adjudication of the answers shows: the gold answers, what the submitted
    reviewers' answers propose, and every reviewer's answers."""
    reviewers = reviewers_answers(document)
    submitted = [r["answers"] for r in reviewers.values() if r["status"] == "submitted"]
    return {"gold": list_gold_answers(document),
            "proposals": propose(load_codebook(document.project.codebook), submitted),
            "reviewers": reviewers}


def propose(codebook: Codebook, submitted: list[dict]) -> dict[str, dict]:
    """What the submitted reviewers' answers propose per question: the majority (more than
    half of those who answered) for choices, booleans and sets, the median for an ordinal
    scale (the lower middle rank on a tie) and for a number; text proposes nothing."""
    proposals = {}
    for key, question in codebook.questions.items():
        given = [answers[key] for answers in submitted if key in answers]
        if len(given) < 2 or question.type == "text":
            continue
        if question.type == "ordinal":
            ranks = sorted(question.choices.index(v) for v in given if v in question.choices)
            if ranks:
                proposals[key] = {"value": question.choices[ranks[(len(ranks) - 1) // 2]],
                                  "provenance": "median", "answers": len(given)}
            continue
        if question.type == "number":
            proposals[key] = {"value": statistics.median(given), "provenance": "median",
                              "answers": len(given)}
            continue
        comparable = [tuple(v) if isinstance(v, list) else v for v in given]
        value, count = Counter(comparable).most_common(1)[0]
        if count * 2 > len(given):
            proposals[key] = {"value": list(value) if isinstance(value, tuple) else value,
                              "provenance": "majority", "answers": len(given)}
    return proposals


def set_gold_answer(document: Document, user: User, question: Any, value: Any,
                    provenance: str | None = None) -> dict[str, dict]:
    """Set (or, with a null value, clear) the gold answer of one question; ``provenance``
    defaults to ``adjudicated:USER``. Returns every gold answer of the document."""
    require_admin(user)
    codebook = load_codebook(document.project.codebook)
    if not isinstance(question, str) or question not in codebook.questions:
        raise NotFound(f"There is no question {question!r} in this project's codebook.")
    cleaned = codebook.questions[question].clean(value)
    db.session.execute(delete(GoldAnswer).where(GoldAnswer.document_id == document.id,
                                                GoldAnswer.question == question))
    if cleaned is not None:
        db.session.add(GoldAnswer(document_id=document.id, question=question, value=cleaned,
                                  provenance=provenance or f"adjudicated:{user.username}",
                                  created_by_id=user.id))
    db.session.commit()
    return list_gold_answers(document)


def accept_proposals(document: Document, user: User) -> dict[str, dict]:
    """Store every proposed gold answer where the question has no gold answer yet."""
    require_admin(user)
    codebook = load_codebook(document.project.codebook)
    submitted = [r["answers"] for r in reviewers_answers(document).values()
                 if r["status"] == "submitted"]
    existing = list_gold_answers(document)
    for key, proposal in propose(codebook, submitted).items():
        if key not in existing:
            db.session.add(GoldAnswer(document_id=document.id, question=key,
                                      value=proposal["value"],
                                      provenance=proposal["provenance"],
                                      created_by_id=user.id))
    db.session.commit()
    return list_gold_answers(document)

