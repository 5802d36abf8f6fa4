"""Small look-ups the database tests share (inside an app context)."""

from sqlalchemy import func, select

from annotator.extensions import db
from annotator.models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
)


def project_by_slug(slug: str = "news") -> Project | None:
    return db.session.scalar(select(Project).where(Project.slug == slug))


def row_count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_written(include_users: bool = True) -> bool:
    """No document, paragraph, span, review, mark or gold span (nor user) was stored."""
    models = [Document, Paragraph, Annotation, DocumentReview, ParagraphReview, GoldSpan]
    if include_users:
        models.append(User)
    return all(row_count(m) == 0 for m in models)
