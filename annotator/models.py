"""The data model.

Offsets everywhere are Unicode code points into one paragraph's text, half-open. Paragraph text
never changes after import, so the spans that point into it stay valid. A paragraph is named by
its document and its position (``paragraph_index``), and every span, review mark and gold span
refers to it by that pair through a composite foreign key, so a span can never point at a
paragraph that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

JSONType = JSON().with_variant(JSONB(), "postgresql")

ROLES = ("admin", "reviewer")
REVIEW_STATUSES = ("not_started", "in_progress", "submitted")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'reviewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    # None: the account exists (e.g. created by an import) but cannot log in.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="reviewer")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locks: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The key of the browser session this object was loaded for (never stored here: the
    # sessions table holds its hash). Flask-Login keeps ``get_id()`` in the signed cookie.
    session_key = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str | None:  # Flask-Login: what the session cookie names
        return self.session_key

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


# User names are unique whatever their case ("Alice" and "alice" are one account).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


class ApiToken(db.Model):
    """A bearer token for scripts. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # None: the token works until it is revoked.
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(db.Model):
    """A logged-in browser. The cookie carries the key; only its SHA-256 is stored. Deleting
    the row ends the session on every worker and server at once (logout, a password change
    or reset, disabling the account, "log out everywhere")."""

    __tablename__ = "user_sessions"
    __table_args__ = {"info": {"dump": False}}  # one server's life: not moved by a dump

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(200), default="")


class LoginThrottle(db.Model):
    """Failed logins from one client address in the current window, counted in the database
    so that the limit holds across workers and servers."""

    __tablename__ = "login_throttle"
    __table_args__ = {"info": {"dump": False}}

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(
            "reviewers_per_document IS NULL OR reviewers_per_document >= 1",
            name="reviewers_per_document",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    codebook: Mapped[dict[str, Any]] = mapped_column(JSONType)
    blind: Mapped[bool] = mapped_column(default=True)
    reviewers_per_document: Mapped[int | None] = mapped_column(Integer)
    # Suggestions (annotator/suggestions/store.py): on or off, off for each reviewer's first
    # documents, rules turned off. Keys left out take their defaults.
    suggestion_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict,
                                                                server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[Document]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Document.id",
    )

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("project_id", "content_hash"),
        UniqueConstraint("project_id", "external_id"),
        CheckConstraint("paragraph_count >= 1", name="paragraph_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[dt.date | None] = mapped_column(Date)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    external_id: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of the paragraphs: the same article is not imported twice into one project.
    content_hash: Mapped[str] = mapped_column(String(64))
    paragraph_count: Mapped[int] = mapped_column(Integer)
    # How many times its paragraphs were merged or split (layout.py): a page drawn from an
    # older layout must not write into renumbered paragraphs.
    layout_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship(back_populates="documents")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Paragraph.position",
    )

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.title!r}>"


class Paragraph(db.Model):
    """One paragraph of a document; its text never changes after import."""

    __tablename__ = "paragraphs"
    __table_args__ = (CheckConstraint("position >= 0", name="position"),)

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="paragraphs")


def _paragraph_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["document_id", "paragraph_index"],
        ["paragraphs.document_id", "paragraphs.position"],
        ondelete="CASCADE",
    )


class _SpanPlace:
    """Where a span lies and what it is labelled: a paragraph (by document and position,
    through the composite foreign key), code-point offsets into its text, a label. Tables of
    spans take these columns (first, after the id) and ``_span_place_args`` in their
    ``__table_args__``."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-6)
    document_id: Mapped[int] = mapped_column(Integer, sort_order=-5)
    paragraph_index: Mapped[int] = mapped_column(Integer, sort_order=-4)
    start: Mapped[int] = mapped_column(Integer, sort_order=-3)
    end: Mapped[int] = mapped_column(Integer, sort_order=-2)
    label: Mapped[str] = mapped_column(String(64), sort_order=-1)


def _span_place_args(*more) -> tuple:
    return (_paragraph_fk(),
            CheckConstraint('"start" >= 0 AND "end" > "start"', name="offsets"),
            *more)


class Annotation(_SpanPlace, db.Model):
    """One reviewer's span in one paragraph."""

    __tablename__ = "annotations"
    __table_args__ = _span_place_args(
        # A client_id names one span of its reviewer (idempotent retries). Only spans that
        # have one are in the index: imported spans have none (NULLs never clash), and
        # every index entry is a share of an import's time on the server.
        Index("uq_annotations_reviewer_id_client_id", "reviewer_id", "client_id", unique=True,
              postgresql_where=sql_text("client_id IS NOT NULL"),
              sqlite_where=sql_text("client_id IS NOT NULL")),
        Index("ix_annotations_document_reviewer", "document_id", "reviewer_id"),
    )

    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Where the span came from: None when the reviewer made it, "suggestion:RULE" when they
    # accepted a rule's suggestion (the agreement report can split figures by it).
    origin: Mapped[str | None] = mapped_column(String(100))

    reviewer: Mapped[User] = relationship()


class SpanTombstone(db.Model):
    """The ``client_id`` of a deleted span stays taken: a late retry of its create is answered
    410, never with a new span."""

    __tablename__ = "span_tombstones"

    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentReview(db.Model):
    """A reviewer's status on a document (and, with reviewers per document, the assignment)."""

    __tablename__ = "document_reviews"
    __table_args__ = (
        UniqueConstraint("document_id", "reviewer_id"),
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'submitted')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    # The reviewer's answers to the codebook's article-level questions: {question key: value}.
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict,
                                                    server_default="{}")
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    reviewer: Mapped[User] = relationship()


class ParagraphReview(db.Model):
    """A reviewer marked a paragraph done."""

    __tablename__ = "paragraph_reviews"
    __table_args__ = (_paragraph_fk(),)

    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    paragraph_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GoldSpan(_SpanPlace, db.Model):
    """An adjudicated span; ``provenance`` is unanimous, majority or adjudicated:NAME."""

    __tablename__ = "gold_spans"
    __table_args__ = _span_place_args(
        # One gold span per place and label; it also serves the per-document look-ups.
        UniqueConstraint("document_id", "paragraph_index", "label", "start", "end",
                         name="uq_gold_spans_place"),
    )

    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    provenance: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set by every change: the source ledger reads the attributes, which change in place.
    # (None on the rows written before it was added.)
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class GoldAnswer(db.Model):
    """The adjudicated answer of a document to one article-level question."""

    __tablename__ = "gold_answers"
    __table_args__ = (UniqueConstraint("document_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONType)
    # adjudicated:NAME (a person chose it), majority, median (ordinal), or an import's
    provenance: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GoldRejection(_SpanPlace, db.Model):
    """A place and label where an adjudicator deleted (or moved, or relabelled) gold: auto
    gold does not propose it again (until a run that replaces all gold, or gold is set there
    by hand)."""

    __tablename__ = "gold_rejections"
    __table_args__ = _span_place_args(
        UniqueConstraint("document_id", "paragraph_index", "label", "start", "end",
                         name="uq_gold_rejections_place"),
    )

    rejected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SuggestionDecision(db.Model):
    """What a reviewer did with a suggestion (annotator/suggestions/store.py): accepted it as
    it was, accepted it changed (edited), or rejected it; one row per reviewer, document and
    suggestion, the latest decision. A rejected suggestion is not offered to them again."""

    __tablename__ = "suggestion_decisions"
    __table_args__ = (
        UniqueConstraint("document_id", "reviewer_id", "suggestion_id"),
        CheckConstraint("decision IN ('accepted', 'edited', 'rejected')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    suggestion_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    # Where the suggestion lay when decided (a suggestion's id names its text and place).
    paragraph_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    # The span an acceptance made (None for a rejection, or once the span is deleted).
    annotation_id: Mapped[int | None] = mapped_column(
        ForeignKey("annotations.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdjudicatedParagraph(db.Model):
    """An adjudicator marked a paragraph's gold done: who and when (one mark per paragraph;
    the project is the document's)."""

    __tablename__ = "adjudicated_paragraphs"
    __table_args__ = (_paragraph_fk(),)

    document_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    paragraph_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    adjudicated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerAlias(db.Model):
    """One entry of a project's alias table (the source ledger): the source key ``alias`` is
    the source ``canonical`` in every document of the project."""

    __tablename__ = "ledger_aliases"
    __table_args__ = (
        UniqueConstraint("project_id", "alias"),
        CheckConstraint("alias <> canonical", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    alias: Mapped[str] = mapped_column(String(500))
    canonical: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CachedValue(db.Model):
    """A value derived from a project's data (the agreement report, the source ledger), kept so
    that every worker and server finds it computed (``annotator.cache``): named by its
    ``kind`` and the hash of the arguments it was computed with, valid while the data's
    fingerprint is the one it was computed from. Derived data: not moved by a dump (it is
    computed again), removed with its project."""

    __tablename__ = "cached_values"
    __table_args__ = {"info": {"dump": False}}

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the arguments
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the data's fingerprint
    value: Mapped[bytes] = mapped_column(LargeBinary)  # the value's JSON, zlib-compressed
    size: Mapped[int] = mapped_column(Integer)  # bytes of ``value``
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
