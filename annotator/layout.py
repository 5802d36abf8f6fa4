"""Mending a document's paragraphs after import: merge a paragraph with the next one, or split
one in two (admins). Sources break paragraphs in odd places ("… Sociology of the PRUE" / "G.V."
/ "Plekhanov's Andrei Koshkin …"); a span cannot cross paragraphs, so such a credential could
not be one span until the paragraphs are mended.

Everything that points into the paragraphs moves with its text exactly: every table with the
paragraph foreign key (reviewers' spans, gold, rejections, review marks, and any table added
later with the same key) is renumbered, and the offsets of its spans are shifted, so that a
span's text is the same before and after. A change that would cut a span is refused, naming
the spans. Review marks: a merged paragraph is reviewed by those who reviewed both halves; the
halves of a split one by those who reviewed it. Adjudicated marks alike: a merged paragraph is
adjudicated when both halves were (the first half's mark stays), both halves of a split one
when it was.

Each change adds one to the document's ``layout_version``. The annotate page sends the version
it was drawn from (header ``X-Document-Layout``) with every change of spans and marks, and a
page drawn before a merge or split is refused with 409 instead of writing into the wrong
paragraph.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, select, update

from .access import require_admin
from .errors import Conflict, Invalid, NotFound
from .extensions import db
from .models import AdjudicatedParagraph, Document, Paragraph, ParagraphReview, User, utcnow
from .spans import has_paragraphs

SEPARATORS = {"space": " ", "line": "\n"}
LAYOUT_HEADER = "X-Document-Layout"


def _pointing_tables() -> list[Table]:
    """Every table whose rows point into a paragraph (a foreign key to paragraphs)."""
    paragraphs = Paragraph.__table__
    return [table for table in db.metadata.sorted_tables
            if any(fk.column.table is paragraphs for fk in table.foreign_keys)]


def _is_span_table(table: Table) -> bool:
    return "start" in table.c and "end" in table.c


def _lock(document: Document) -> None:
    db.session.execute(select(Document.id).where(Document.id == document.id).with_for_update())


def _texts(document: Document) -> list[str]:
    return list(db.session.scalars(select(Paragraph.text)
                                   .where(Paragraph.document_id == document.id)
                                   .order_by(Paragraph.position)))


def _move(document_id: int, old: int, new: int, shift: int = 0,
          from_offset: int | None = None) -> None:
    """Point every row of paragraph ``old`` (only spans starting at ``from_offset`` or after,
    when given; marks then stay) at paragraph ``new``, span offsets shifted by ``shift``."""
    for table in _pointing_tables():
        c = table.c
        where = and_(c.document_id == document_id, c.paragraph_index == old)
        if _is_span_table(table):
            if from_offset is not None:
                where = and_(where, c.start >= from_offset)
            values: dict[str, Any] = {"paragraph_index": new}
            if shift:
                values.update(start=c.start + shift, end=c["end"] + shift)
            if "updated_at" in c:
                values["updated_at"] = utcnow()
            db.session.execute(update(table).where(where).values(**values))
        elif from_offset is None:
            db.session.execute(update(table).where(where).values(paragraph_index=new))


def _renumber(document: Document, first: int, last: int, step: int) -> None:
    """Move paragraphs ``first..last`` (and all that points into them) by ``step`` positions,
    one at a time in the order that keeps every foreign key satisfied: the place a paragraph
    moves to is free when it moves."""
    positions = range(first, last + 1) if step < 0 else range(last, first - 1, -1)
    for position in positions:
        text = db.session.scalar(select(Paragraph.text).where(
            Paragraph.document_id == document.id, Paragraph.position == position))
        db.session.execute(insert(Paragraph).values(
            document_id=document.id, position=position + step, text=text))
        _move(document.id, position, position + step)
        db.session.execute(delete(Paragraph).where(Paragraph.document_id == document.id,
                                                   Paragraph.position == position))


def merge_paragraphs(document: Document, index: Any, user: User, separator: str = "space"
                     ) -> dict:
    """Merge paragraph ``index`` with the next one, joined by a space (or a line break).
    Returns ``{"paragraphs": N, "merged": index, "text": ...}``."""
    require_admin(user)
    if separator not in SEPARATORS:
        raise Invalid(f"separator must be one of {', '.join(SEPARATORS)}.", "separator")
    _lock(document)
    texts = _texts(document)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(texts) - 1:
        raise NotFound(f"Paragraph {index} has no next paragraph to merge with; "
                       f"{has_paragraphs(len(texts))}.")
    joined = texts[index] + SEPARATORS[separator] + texts[index + 1]
    shift = len(texts[index]) + len(SEPARATORS[separator])
    marks = ParagraphReview.__table__
    both = set(db.session.scalars(select(marks.c.reviewer_id).where(
        marks.c.document_id == document.id, marks.c.paragraph_index == index))) & \
        set(db.session.scalars(select(marks.c.reviewer_id).where(
            marks.c.document_id == document.id, marks.c.paragraph_index == index + 1)))
    # the second half's marks go: its reviewers keep the merged paragraph only if they
    # reviewed the first half too
    db.session.execute(delete(marks).where(marks.c.document_id == document.id,
                                           marks.c.paragraph_index.in_((index, index + 1)),
                                           marks.c.reviewer_id.not_in(both)))
    db.session.execute(delete(marks).where(marks.c.document_id == document.id,
                                           marks.c.paragraph_index == index + 1))
    adjudicated = AdjudicatedParagraph.__table__
    halves = adjudicated.c.document_id == document.id
    if db.session.scalar(select(func.count()).select_from(adjudicated).where(
            halves, adjudicated.c.paragraph_index.in_((index, index + 1)))) < 2:
        db.session.execute(delete(adjudicated).where(halves,
                                                     adjudicated.c.paragraph_index == index))
    db.session.execute(delete(adjudicated).where(halves,
                                                 adjudicated.c.paragraph_index == index + 1))
    db.session.execute(update(Paragraph).where(Paragraph.document_id == document.id,
                                               Paragraph.position == index).values(text=joined))
    _move(document.id, index + 1, index, shift)
    db.session.execute(delete(Paragraph).where(Paragraph.document_id == document.id,
                                               Paragraph.position == index + 1))
    if index + 2 < len(texts):
        _renumber(document, index + 2, len(texts) - 1, -1)
    _finish(document, len(texts) - 1)
    return {"paragraphs": len(texts) - 1, "merged": index, "text": joined}


def split_paragraph(document: Document, index: Any, at: Any, user: User) -> dict:
    """Split paragraph ``index`` at code point ``at``: the white space around the cut goes,
    and so the second part starts at its first visible character. Refused when the cut (with
    that white space) would cut a span, naming the spans. Returns ``{"paragraphs": N,
    "first": ..., "second": ...}``."""
    require_admin(user)
    _lock(document)
    texts = _texts(document)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(texts):
        raise NotFound(f"There is no paragraph {index}; {has_paragraphs(len(texts))}.")
    text = texts[index]
    if isinstance(at, bool) or not isinstance(at, int):
        raise Invalid("at must be a whole number: the code point where the paragraph is cut.",
                      "at")
    first, second = text[:at].rstrip(), text[at:].lstrip()
    if not 0 < at < len(text) or not first or not second:
        raise Invalid(f"Cutting paragraph {index} at {at} would leave an empty part: cut "
                      f"between two words of its {len(text)} characters.", "at")
    cut_from, cut_to = len(first), len(text) - len(second)  # the white space that goes
    _refuse_cut(document, index, cut_from, cut_to, at)
    marks = ParagraphReview.__table__
    reviewers = list(db.session.scalars(select(marks.c.reviewer_id).where(
        marks.c.document_id == document.id, marks.c.paragraph_index == index)))
    if index + 1 < len(texts):
        _renumber(document, index + 1, len(texts) - 1, +1)
    db.session.execute(update(Paragraph).where(Paragraph.document_id == document.id,
                                               Paragraph.position == index).values(text=first))
    db.session.execute(insert(Paragraph).values(document_id=document.id, position=index + 1,
                                                text=second))
    _move(document.id, index, index + 1, -cut_to, from_offset=cut_to)
    adjudicated = AdjudicatedParagraph.__table__
    mark = db.session.execute(select(adjudicated).where(
        adjudicated.c.document_id == document.id,
        adjudicated.c.paragraph_index == index)).mappings().first()
    if mark is not None:
        db.session.execute(insert(adjudicated).values({**mark, "paragraph_index": index + 1}))
    if reviewers:
        db.session.execute(insert(marks), [
            {"document_id": document.id, "paragraph_index": index + 1, "reviewer_id": uid,
             "created_at": utcnow()} for uid in reviewers])
    _finish(document, len(texts) + 1)
    return {"paragraphs": len(texts) + 1, "first": first, "second": second}


def _refuse_cut(document: Document, index: int, cut_from: int, cut_to: int, at: int) -> None:
    """No span may reach across the cut or into the white space that goes."""
    cut = []
    for table in _pointing_tables():
        if not _is_span_table(table):
            continue
        c = table.c
        rows = db.session.execute(select(c.id, c.start, c["end"], c.label).where(
            c.document_id == document.id, c.paragraph_index == index,
            c.start < cut_to, c["end"] > cut_from)).all()
        kind = {"annotations": "span", "gold_spans": "gold span"}.get(table.name)
        if kind is None:  # other tables' rows (rejections...) are bookkeeping: they go
            db.session.execute(delete(table).where(table.c.id.in_([r.id for r in rows])))
            continue
        cut += [f"{kind} {r.id} ('{r.label}', {r.start}-{r.end})" for r in rows]
    if cut:
        shown = ", ".join(cut[:5]) + (f" and {len(cut) - 5} more" if len(cut) > 5 else "")
        raise Conflict(f"Cutting paragraph {index} at {at} would cut {len(cut)} "
                       f"span{'s' if len(cut) != 1 else ''}: {shown}. Cut elsewhere, or change "
                       f"those spans first.", "at")


def _finish(document: Document, paragraph_count: int) -> None:
    db.session.execute(update(Document).where(Document.id == document.id).values(
        paragraph_count=paragraph_count, layout_version=Document.layout_version + 1))
    db.session.commit()
    db.session.refresh(document)


def check_layout(version: str | None, current: int) -> None:
    """A page's write carries the layout version it was drawn from: a different one means
    its paragraph numbers are out of date."""
    if version is None or version == "":
        return
    if not version.isdigit() or int(version) != current:
        raise Conflict("The paragraphs of this document were merged or split since this page "
                       "was opened: reload the page to go on (it says which changes could not "
                       "be kept).", "paragraph", layout=current)
