"""The bulk writer: parsed documents into a project, in one transaction.

``import_documents`` writes a batch, ``import_stream`` documents that come one at a time
(``iter_documents``), checked and written a chunk at a time as they come, still in one
transaction, so that memory holds one chunk. Rows go in with bulk inserts: on SQLite
``executemany`` (``database.bulk_insert``); on PostgreSQL COPY, the paragraphs, spans and
marks as COPY rows made ahead by whatever reads the documents (``copytext``, ``ahead``:
processes parsing the files while this writes), their ids and timestamps put in front of
each block here (``database.copy_rows``), and a chunk's foreign keys checked together
(``foreign_keys_checked_together``). The same article twice
is refused or skipped; labelled data for an article already in the project adds its reviews
to that document (see ``import_documents``): that is how one doccano file per reviewer comes
together. Any fault rolls back the whole import; nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update

from ..database import (
    KeyChecks,
    bulk_insert,
    copy_rows,
    copy_rows_ok,
    driver_value,
    foreign_keys_checked_together,
    gc_paused,
    json_text_encoder,
    next_ids,
    prefetched,
    refresh_statistics,
)
from ..errors import ImportFailed
from ..extensions import db
from ..models import (
    Annotation,
    Document,
    DocumentReview,
    GoldAnswer,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
    utcnow,
)
from . import copytext
from .copytext import joined, paragraph_lines, placed, span_rows
from .parsed import CopyRows, ParsedDocument, ParsedReview


@dataclass
class ImportResult:
    documents: list[int] = field(default_factory=list)
    paragraphs: int = 0
    spans: int = 0
    gold: int = 0
    skipped: list[str] = field(default_factory=list)
    created_reviewers: list[str] = field(default_factory=list)
    # Documents already in the project that received reviews (or gold) from this import.
    updated_documents: list[int] = field(default_factory=list)
    added_reviews: int = 0
    added_gold: int = 0  # documents already in the project that received gold

    def summary(self) -> str:
        parts = [_counted(len(self.documents), "document"),
                 _counted(self.paragraphs, "paragraph"), _counted(self.spans, "span")]
        if self.gold:
            parts.append(_counted(self.gold, "gold span"))
        text = "Imported " + ", ".join(parts) + "."
        if self.updated_documents:
            added = []
            if self.added_reviews:
                added.append(_counted(self.added_reviews, "review"))
            if self.added_gold:
                added.append("gold spans")
            text += (f" Added {' and '.join(added)} to "
                     f"{_counted(len(self.updated_documents), 'document')} already in the "
                     f"project (id {', '.join(map(str, self.updated_documents))}).")
        if self.created_reviewers:
            text += (f" Created reviewer accounts (no password yet): "
                     f"{', '.join(self.created_reviewers)}.")
        if self.skipped:
            text += f" Skipped {len(self.skipped)} already imported: " + "; ".join(self.skipped)
        return text


def _counted(count: int, noun: str) -> str:
    """"1 span", "2 spans", "0 spans"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


# An import is checked and written a chunk at a time (in one transaction): up to so many
# documents, or fewer when they hold so many paragraphs and spans, which bounds the memory.
CHUNK_DOCUMENTS = 500
CHUNK_ROWS = 10_000


def import_documents(
    project: Project,
    documents: Sequence[ParsedDocument],
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write parsed documents into a project in one transaction; ``progress`` gets the percent
    of the documents written so far.

    The same article (same paragraphs, or the same external id) already in the project, or
    twice in the batch, refuses the import, or is skipped with ``skip_existing``. On any error
    the transaction is rolled back and nothing is left behind.

    Labelled data for an article that is already there is the exception: a parsed document
    that brings reviews or gold, and whose paragraphs are those of a document already in the
    project (or of one earlier in this import), adds its reviews and gold to that document
    instead of making a new one, provided that none of its reviewers has a review of it yet
    and that it brings no gold to a document that has gold. A reviewer has a review of a
    document when their status there is not "not_started" or they have a span or a reviewed
    paragraph in it; an assignment not started yet is taken over. Otherwise the import is
    refused naming the document and the reviewer (or the document is skipped with
    ``skip_existing``). The document keeps its title and other fields; the incoming ones are
    not used. That is how one doccano file per reviewer comes together into one document.
    Documents without reviews or gold keep the duplicate rule above.
    """
    total = len(documents)
    percent = None if progress is None else (lambda done: progress(done * 100 // total))
    return import_stream(project, documents, skip_existing, percent)


def import_stream(
    project: Project,
    documents: Iterable[ParsedDocument],
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """``import_documents`` for documents that come one at a time (``iter_documents``): they
    are checked and written a chunk at a time (``CHUNK_DOCUMENTS``, ``CHUNK_ROWS``), so that
    memory holds one chunk, all in one transaction: an error anywhere, in the documents or
    while reading them, rolls back everything. ``progress`` gets the number of documents
    handled so far, after each chunk."""
    try:
        with gc_paused():
            batch = _Import(project, skip_existing)
            done = 0
            stream = not isinstance(documents, list | tuple)
            # on PostgreSQL a stream's documents are made into COPY rows as they are read
            packing = pack if stream and batch.rows_ahead else None
            chunks = _chunks(documents, hand_over=stream, pack=packing)
            if stream:
                # a stream (files parsed as they are read): the next chunk is parsed in a
                # thread while this one is written (on PostgreSQL, while the server works)
                chunks = prefetched(chunks, depth=1)
            with closing(chunks):  # an error stops the parsing at once
                for chunk in chunks:
                    batch.add(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done)
            result = batch.finish()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:  # whatever reads the documents ahead (processes: ahead.read_ahead) ends now
        if hasattr(documents, "close"):
            documents.close()
    # the import is in: planner statistics for what it added (PostgreSQL, large imports)
    refresh_statistics(len(result.documents) + result.paragraphs + result.spans + result.gold)
    return result


def _chunks(documents: Iterable[ParsedDocument], hand_over: bool = False,
            pack: Callable[[ParsedDocument], Any] | None = None
            ) -> Iterator[list[ParsedDocument]]:
    """The documents in chunks (``CHUNK_DOCUMENTS``, ``CHUNK_ROWS``). ``hand_over``, where a
    thread reads ahead for the one that writes: the GIL is let go after each document read.
    The writing thread wants it back after each answer of the server (each round trip, each
    block of a COPY sent), and would otherwise wait for the switch interval (5 ms) while this
    one parses, the server waiting with it: measured, the server was busy a tenth more of the
    time with it (benchmarks/README.md). ``pack`` is done to each document as it is read."""
    chunk: list[ParsedDocument] = []
    rows = 0
    for doc in documents:
        if pack is not None:
            pack(doc)
        if hand_over:
            time.sleep(0)
        chunk.append(doc)
        rows += len(doc.paragraphs) + doc.span_count
        if len(chunk) == CHUNK_DOCUMENTS or rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


@dataclass
class _Target:
    """Where an article of an import lives: a document already in the project, or a new one of
    this import (``new``; its ``document_id`` is known once it is written)."""

    label: str  # for messages: "document 3 ('Title')" or where it came from
    document_id: int | None = None
    new: bool = False
    # Reviewers (lower-case) who have a review of it -> where that review came from (None:
    # already in the project).
    reviewers: dict[str, str | None] = field(default_factory=dict)
    has_gold: bool = False
    gold_origin: str | None = None
    waiting: set[str] = field(default_factory=set)  # assigned, not started, nothing done
    work_known: bool = False  # reviewers, waiting and has_gold read (documents already there)


def _existing_work(
    document_ids: list[int],
) -> tuple[dict[int, set[str]], dict[int, set[str]], set[int]]:
    """Per document: the reviewers (lower-case) who have a review of it, those with only an
    assignment not started yet, and whether it has gold."""
    reviewed: dict[int, set[str]] = {i: set() for i in document_ids}
    waiting: dict[int, set[str]] = {i: set() for i in document_ids}
    gold: set[int] = set()
    for batch in _batched(document_ids):
        for doc_id, name, status in db.session.execute(
            select(DocumentReview.document_id, func.lower(User.username), DocumentReview.status)
            .join(User, User.id == DocumentReview.reviewer_id)
            .where(DocumentReview.document_id.in_(batch))
        ):
            (waiting if status == "not_started" else reviewed)[doc_id].add(name)
        for model in (Annotation, ParagraphReview):
            for doc_id, name in db.session.execute(
                select(model.document_id, func.lower(User.username)).distinct()
                .join(User, User.id == model.reviewer_id)
                .where(model.document_id.in_(batch))
            ):
                reviewed[doc_id].add(name)
        for model in (GoldSpan, GoldAnswer):
            gold.update(db.session.scalars(
                select(model.document_id).distinct().where(model.document_id.in_(batch))))
    for doc_id, names in waiting.items():
        names -= reviewed[doc_id]
    return reviewed, waiting, gold


def _attach_clash(project: Project, target: _Target, doc: ParsedDocument) -> str | None:
    """Why the reviews and gold of ``doc`` cannot join the article at ``target``, or None."""
    for review in doc.reviews:
        lower = review.reviewer.lower()
        if lower not in target.reviewers:
            continue
        earlier = target.reviewers[lower]
        if earlier is None:
            return (f"reviewer '{review.reviewer}' already has a review of {target.label} in "
                    f"project '{project.slug}'")
        return (f"reviewer '{review.reviewer}' already has a review of the same article "
                f"earlier in this import ({earlier})")
    if doc.has_gold and target.has_gold:
        if target.gold_origin is None:
            return f"{target.label} already has gold spans in project '{project.slug}'"
        return f"gold spans for the same article come earlier in this import " \
               f"({target.gold_origin})"
    return None


# The JSON columns' text, as SQLAlchemy writes it (json.dumps); a span's attributes' in a
# COPY row (the same text, from what earlier spans had).
JSON_TEXT = json_text_encoder()
ATTRIBUTE_TEXT = copytext.AttributeText(JSON_TEXT)


def pack(doc: ParsedDocument) -> ParsedDocument:
    """``copytext.pack`` with the writer's JSON, for a document read ahead of its writing."""
    return copytext.pack(doc, ATTRIBUTE_TEXT)


# Columns written by the bulk inserts, in the order of the rows built for them.
DOCUMENT_COLUMNS = ("id", "project_id", "title", "source", "url", "published", "meta",
                    "external_id", "content_hash", "paragraph_count", "created_at")
PARAGRAPH_COLUMNS = ("document_id", "position", "text")
REVIEW_COLUMNS = ("document_id", "reviewer_id", "status", "submitted_at", "updated_at",
                  "answers")
GOLD_ANSWER_COLUMNS = ("document_id", "question", "value", "provenance", "created_at")
MARK_COLUMNS = ("document_id", "paragraph_index", "reviewer_id", "created_at")
SPAN_COLUMNS = ("document_id", "paragraph_index", "reviewer_id", "start", "end", "label",
                "attributes", "note", "created_at", "updated_at")
# ... and of the binary COPY rows (copytext.py): the fields in front, then a row's own.
MARK_ROW_COLUMNS = (*copytext.MARK_PREFIX_COLUMNS, "paragraph_index")
SPAN_ROW_COLUMNS = (*copytext.SPAN_PREFIX_COLUMNS, *copytext.SPAN_ROW_COLUMNS)
GOLD_COLUMNS = ("document_id", "paragraph_index", "start", "end", "label", "attributes",
                "note", "provenance", "created_at")


class _Import:
    """One import, fed chunk by chunk (``add``): what it has seen so far (articles, external
    ids, reviewers) for the duplicate rules, and the writing of each chunk."""

    def __init__(self, project: Project, skip_existing: bool):
        self.project = project
        self.skip_existing = skip_existing
        self.result = ImportResult()
        self.targets: dict[str, _Target] = {}  # content hash -> its article
        self.existing_ext: dict[str, tuple[int, str]] = {}  # in the project before the import
        self.batch_ext: dict[str, str] = {}  # external id -> where it came in this import
        self.reviewer_ids: dict[str, int] = {}  # lower-case name -> user id
        self.now = utcnow()
        # The same timestamp on every row, as the driver takes it.
        self.stamp = driver_value(Annotation.__table__.c.created_at, self.now)
        # On PostgreSQL the bulk of the rows go as COPY rows made ahead (copytext.py).
        self.rows_ahead = copy_rows_ok()
        self.binary_stamp = copytext.binary_time(self.now)  # ... as binary COPY rows hold it

    def add(self, documents: list[ParsedDocument]) -> None:
        hashes = [d.content_hash for d in documents]
        self._look_up(documents, hashes)
        keep, attach = self._sort_out(documents, hashes)
        self._add_reviewers({r.reviewer for doc, _, _ in keep for r in doc.reviews}
                            | {r.reviewer for _, doc in attach for r in doc.reviews})
        if keep or attach:
            self._write(keep, attach)

    def finish(self) -> ImportResult:
        self.result.created_reviewers.sort()
        return self.result

    def _look_up(self, documents: list[ParsedDocument], hashes: list[str]) -> None:
        """Read what the project held before the import of these documents: articles with the
        same paragraphs, documents with the same external ids, and, for labelled documents, who
        has reviewed those articles. What earlier chunks wrote is known from ``targets`` and
        ``batch_ext`` and never read back, so it is never taken for what the project held."""
        project = self.project
        for batch in _batched(sorted({h for h in hashes if h not in self.targets})):
            for id_, title, h in db.session.execute(
                select(Document.id, Document.title, Document.content_hash)
                .where(Document.project_id == project.id, Document.content_hash.in_(batch))
            ):
                self.targets[h] = _Target(f"document {id_} ({title!r})", document_id=id_)
        external_ids = {d.external_id for d in documents if d.external_id} \
            - self.batch_ext.keys() - self.existing_ext.keys()
        for batch in _batched(sorted(external_ids)):
            for id_, title, ext in db.session.execute(
                select(Document.id, Document.title, Document.external_id)
                .where(Document.project_id == project.id, Document.external_id.in_(batch))
            ):
                self.existing_ext[ext] = (id_, title)
        # Labelled documents whose article is already there may join it: who has reviewed it?
        hits: dict[int, _Target] = {}
        for doc, h in zip(documents, hashes, strict=True):
            target = self.targets.get(h)
            if target is not None and not target.new and not target.work_known \
                    and (doc.reviews or doc.gold):
                hits[target.document_id] = target
        if hits:
            reviewed, waiting, has_gold = _existing_work(sorted(hits))
            for id_, target in hits.items():
                target.reviewers = dict.fromkeys(reviewed[id_])
                target.waiting = waiting[id_]
                target.has_gold = id_ in has_gold
                target.work_known = True

    def _sort_out(
        self, documents: list[ParsedDocument], hashes: list[str]
    ) -> tuple[list[tuple[ParsedDocument, str, _Target]],
               list[tuple[_Target, ParsedDocument]]]:
        """The new documents (and their targets), and the labelled documents that join an
        article already there; duplicates are refused or, with skip_existing, skipped."""
        project, result = self.project, self.result
        keep: list[tuple[ParsedDocument, str, _Target]] = []
        attach: list[tuple[_Target, ParsedDocument]] = []
        for doc, h in zip(documents, hashes, strict=True):
            target = self.targets.get(h)
            clash = None
            if target is not None and (doc.reviews or doc.has_gold):
                clash = _attach_clash(project, target, doc)
                if clash is None:
                    for review in doc.reviews:
                        target.reviewers[review.reviewer.lower()] = doc.origin
                    if doc.has_gold:
                        target.has_gold, target.gold_origin = True, doc.origin
                    attach.append((target, doc))
                    continue
            elif target is not None and not target.new:
                clash = f"the same article is already in project '{project.slug}' as " \
                        f"{target.label}"
            elif target is not None:
                clash = f"the same article appears earlier in this import ({target.label})"
            elif doc.external_id and doc.external_id in self.existing_ext:
                id_, title = self.existing_ext[doc.external_id]
                clash = f"external id {doc.external_id!r} is already used in project " \
                        f"'{project.slug}' by document {id_} ({title!r})"
            elif doc.external_id and doc.external_id in self.batch_ext:
                clash = f"external id {doc.external_id!r} appears earlier in this import " \
                        f"({self.batch_ext[doc.external_id]})"
            if clash:
                if self.skip_existing:
                    result.skipped.append(f"{doc.origin} ({clash})")
                    continue
                raise ImportFailed(
                    f"{doc.origin}: {clash}. Nothing was imported"
                    + ("." if self.skip_existing
                       else "; use --skip-existing to skip such documents.")
                )
            target = self.targets[h] = _Target(
                doc.origin, new=True,
                reviewers=dict.fromkeys((r.reviewer.lower() for r in doc.reviews), doc.origin),
                has_gold=doc.has_gold, gold_origin=doc.origin if doc.has_gold else None,
            )
            if doc.external_id:
                self.batch_ext[doc.external_id] = doc.origin
            keep.append((doc, h, target))
        return keep, attach

    def _add_reviewers(self, names: set[str]) -> None:
        """Ids of the named reviewers (case-insensitive); missing ones are created, no
        password."""
        by_lower: dict[str, str] = {}
        for name in sorted(names):
            if name.lower() not in self.reviewer_ids:
                by_lower.setdefault(name.lower(), name)
        for batch in _batched(sorted(by_lower)):
            for id_, lower in db.session.execute(
                select(User.id, func.lower(User.username))
                .where(func.lower(User.username).in_(batch))
            ):
                self.reviewer_ids[lower] = id_
        for lower, name in by_lower.items():
            if lower not in self.reviewer_ids:
                user = User(username=name, role="reviewer", password_hash=None)
                db.session.add(user)
                db.session.flush()
                self.reviewer_ids[lower] = user.id
                self.result.created_reviewers.append(name)

    def _write(self, keep: list[tuple[ParsedDocument, str, _Target]],
               attach: list[tuple[_Target, ParsedDocument]]) -> None:
        result, now = self.result, self.now
        if keep:
            documents = Document.__table__
            if self.rows_ahead:  # PostgreSQL: ids taken ahead, the rows in one COPY
                ids = next_ids(documents, len(keep))
                bulk_insert(documents, DOCUMENT_COLUMNS, [
                    (id_, self.project.id, doc.title, doc.source, doc.url, doc.published,
                     JSON_TEXT(doc.meta), doc.external_id, h, len(doc.paragraphs), self.stamp)
                    for id_, (doc, h, _) in zip(ids, keep, strict=True)])
            else:
                ids = db.session.scalars(
                    insert(documents).returning(documents.c.id, sort_by_parameter_order=True),
                    [{"project_id": self.project.id, "title": doc.title, "source": doc.source,
                      "url": doc.url, "published": doc.published, "meta": doc.meta,
                      "external_id": doc.external_id, "content_hash": h,
                      "paragraph_count": len(doc.paragraphs), "created_at": now}
                     for doc, h, _ in keep],
                ).all()
            for (_, _, target), id_ in zip(keep, ids, strict=True):
                target.document_id = id_
            result.documents.extend(ids)

        # (document id, parsed document, its paragraphs are new, assignments to take over)
        placements: list[tuple[int, ParsedDocument, bool, set[str]]] = [
            (target.document_id, doc, True, set()) for doc, _, target in keep
        ]
        for target, doc in attach:
            if not target.new:
                placements.append((target.document_id, doc, False, target.waiting))
                if target.document_id not in result.updated_documents:
                    result.updated_documents.append(target.document_id)
                result.added_reviews += len(doc.reviews)
                result.added_gold += bool(doc.gold)
            else:
                placements.append((target.document_id, doc, False, set()))
        for _, doc, _, _ in placements:
            _check_gold_places(doc)

        stamp = self.stamp
        review_rows = []
        for doc_id, doc, _, assigned in placements:
            for review in doc.reviews:
                reviewer_id = self.reviewer_ids[review.reviewer.lower()]
                submitted = review.status == "submitted"
                if review.reviewer.lower() in assigned:
                    db.session.execute(
                        update(DocumentReview)
                        .where(DocumentReview.document_id == doc_id,
                               DocumentReview.reviewer_id == reviewer_id)
                        .values(status=review.status, submitted_at=now if submitted else None,
                                updated_at=now, answers=review.answers)
                        .execution_options(synchronize_session=False)
                    )
                else:
                    review_rows.append((doc_id, reviewer_id, review.status,
                                        stamp if submitted else None, stamp,
                                        JSON_TEXT(review.answers)))
        # The other rows are made as they are written (on PostgreSQL the server inserts them
        # meanwhile); paragraphs first: the rest refers to them.
        reviews = [(doc_id, self.reviewer_ids[review.reviewer.lower()], review)
                   for doc_id, doc, _, _ in placements for review in doc.reviews]
        dumps = JSON_TEXT
        counts = {
            Paragraph: sum(len(doc.paragraphs) for _, doc, new, _ in placements if new),
            DocumentReview: len(review_rows),
            ParagraphReview: sum(len(review.reviewed_paragraphs) for *_, review in reviews),
            Annotation: sum(review.span_count for *_, review in reviews),
            GoldSpan: sum(len(doc.gold) for _, doc, _, _ in placements),
            GoldAnswer: sum(len(doc.gold_answers) for _, doc, _, _ in placements),
        }
        # the chunk's foreign keys checked together (on PostgreSQL, when the role may)
        with foreign_keys_checked_together() as checks:
            if self.rows_ahead:  # PostgreSQL: the bulk of it as COPY rows made ahead
                self._copy_rows(placements, reviews, counts, checks)
                tables = [(DocumentReview, REVIEW_COLUMNS, review_rows)]
            else:
                tables = [
                    (Paragraph, PARAGRAPH_COLUMNS,
                     ((doc_id, i, text) for doc_id, doc, new, _ in placements if new
                      for i, text in enumerate(doc.paragraphs))),
                    (DocumentReview, REVIEW_COLUMNS, review_rows),
                    (ParagraphReview, MARK_COLUMNS,
                     ((doc_id, p, reviewer_id, stamp) for doc_id, reviewer_id, review in reviews
                      for p in review.reviewed_paragraphs)),
                    (Annotation, SPAN_COLUMNS,
                     ((doc_id, s.paragraph, reviewer_id, s.start, s.end, s.label,
                       dumps(s.attributes), s.note, stamp, stamp)
                      for doc_id, reviewer_id, review in reviews for s in review.annotations)),
                ]
            for model, columns, rows in (
                *tables,
                (GoldSpan, GOLD_COLUMNS,
                 ((doc_id, s.paragraph, s.start, s.end, s.label, dumps(s.attributes), s.note,
                   s.provenance, stamp)
                  for doc_id, doc, _, _ in placements for s in doc.gold)),
                (GoldAnswer, GOLD_ANSWER_COLUMNS,
                 ((doc_id, key, dumps(value), provenance, stamp)
                  for doc_id, doc, _, _ in placements
                  for key, (value, provenance) in doc.gold_answers.items())),
            ):
                if counts[model]:
                    bulk_insert(model.__table__, columns, rows, checks=checks)
        result.paragraphs += counts[Paragraph]
        result.spans += counts[Annotation]
        result.gold += counts[GoldSpan]

    def _copy_rows(self, placements: list[tuple[int, ParsedDocument, bool, set[str]]],
                   reviews: list[tuple[int, int, ParsedReview]], counts: dict,
                   checks: KeyChecks | None) -> None:
        """The paragraphs, marks and spans of ``_write`` on PostgreSQL, as COPY rows made
        ahead (``copytext``: by the reading when it could, here otherwise), each block given
        its ids and timestamps in front. With ``checks``, every foreign key of the rows is
        noted for the check at the chunk's end (but the places of marks and spans in the
        chunk's new documents), and so are the rows this chunk wrote, which need no
        look-up."""
        new = [(doc_id, doc) for doc_id, doc, is_new, _ in placements if is_new]
        # The places in a new document are paragraphs written just now (``parse_span`` held
        # each span to its document's paragraphs): only those in documents there before
        # are noted, the others would only be found among the written keys.
        fresh = {doc_id for doc_id, _ in new}
        if counts[Paragraph]:
            copy_rows(Paragraph.__table__, PARAGRAPH_COLUMNS,
                      (placed(paragraph_lines(doc).data, b"%d\t" % doc_id)
                       for doc_id, doc in new))
        if checks is not None:
            checks.add(Paragraph.__table__, ("document_id",), (d for d, _ in new))
            checks.written(Document.__table__, ("id",), ((d,) for d, _ in new))
            if counts[GoldSpan]:  # the only rows noted that may refer to these paragraphs
                checks.written(Paragraph.__table__, ("document_id", "position"),
                               ((d, i) for d, doc in new for i in range(len(doc.paragraphs))))
        for model, columns, prefix, rows_of in (
            (ParagraphReview, MARK_ROW_COLUMNS, copytext.mark_prefix, copytext.mark_rows),
            (Annotation, SPAN_ROW_COLUMNS, copytext.span_prefix, _span_rows),
        ):
            if not counts[model]:
                continue
            table, places = model.__table__, set()

            def blocks(prefix=prefix, rows_of=rows_of, places=places) -> Iterator[bytes]:
                # made as they are sent: the server writes one while the next is made
                for doc_id, reviewer_id, review in reviews:
                    rows = rows_of(review)
                    if rows.count:
                        if doc_id not in fresh:
                            places.update((doc_id, p) for p in rows.paragraphs)
                        yield joined(prefix(self.binary_stamp, doc_id, reviewer_id), rows.data)

            copy_rows(table, columns, blocks(), binary=True)
            if checks is not None:
                checks.add(table, ("document_id", "paragraph_index"), places)
                checks.add(table, ("reviewer_id",), {r for _, r, _ in reviews})


def _span_rows(review: ParsedReview) -> CopyRows:
    return span_rows(review, ATTRIBUTE_TEXT)


def _check_gold_places(doc: ParsedDocument) -> None:
    """A document has one gold span per place and label."""
    seen: dict[tuple, int] = {}
    for number, s in enumerate(doc.gold, start=1):
        place = (s.paragraph, s.label, s.start, s.end)
        if place in seen:
            raise ImportFailed(
                f"{doc.origin}: gold span {number} repeats gold span {seen[place]} "
                f"(paragraph {s.paragraph}, {s.start}-{s.end}, {s.label}); a document has "
                f"one gold span per place and label.")
        seen[place] = number


def _batched(values: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


