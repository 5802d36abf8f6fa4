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


def csrf_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def logout(client):
    """Log out as a browser does: the /logout page's form, posted with its CSRF token."""
    page = client.get("/logout")
    if page.status_code != 200:  # not logged in
        return page
    return client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
