"""Creating and changing projects."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from .codebook import default_codebook, validate_codebook
from .errors import Conflict, Invalid
from .extensions import db
from .models import Project

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def validate_slug(slug: str) -> str:
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 64:
        raise Invalid(
            f"The slug {slug!r} is not valid: use lowercase letters, digits and single '-' "
            f"between them (at most 64 characters), e.g. 'iraq-2021'.", "slug")
    return slug


def create_project(
    slug: str,
    name: str | None = None,
    codebook: Any = None,
    blind: bool = True,
    reviewers_per_document: int | None = None,
) -> Project:
    validate_slug(slug)
    if db.session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        raise Conflict(f"There is already a project '{slug}'.", "slug")
    if reviewers_per_document is not None and (
            isinstance(reviewers_per_document, bool) or not isinstance(reviewers_per_document, int)
            or reviewers_per_document < 1):
        raise Invalid("Reviewers per document must be a whole number of at least 1.",
                      "reviewers_per_document")
    name = (name or slug).strip()
    if not name or len(name) > 200:
        raise Invalid("The name must have 1 to 200 characters.", "name")
    data = validate_codebook(codebook if codebook is not None else default_codebook())
    project = Project(slug=slug, name=name, codebook=data, blind=blind,
                      reviewers_per_document=reviewers_per_document)
    db.session.add(project)
    db.session.commit()
    return project
