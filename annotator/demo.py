"""The demo: a project with the default codebook, the sample article and four accounts."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from sqlalchemy import select
from werkzeug.security import check_password_hash

from .accounts import create_user, find_user
from .documents import import_documents, parse_text_file
from .extensions import db
from .models import Project
from .projects import create_project

DEMO_SLUG = "demo"
DEMO_ACCOUNTS = (
    ("admin", "admin", "admin-demo"),
    ("alice", "reviewer", "alice-demo"),
    ("bob", "reviewer", "bob-demo1"),
    ("carol", "reviewer", "carol-demo"),
)
SAMPLE = "rt-iraq-withdrawal.txt"
SAMPLE_TITLE = "Iraq no longer needs US troops, says Prime Minister al-Kazimi"


def sample_bytes() -> bytes:
    return resources.files("annotator").joinpath(f"data/samples/{SAMPLE}").read_bytes()


def load_demo() -> Project:
    for name, role, password in DEMO_ACCOUNTS:
        if find_user(name) is None:
            create_user(name, role=role, password=password)
    project = create_project(
        DEMO_SLUG,
        name="Demo: RT on the US withdrawal from Iraq",
        blind=False,
    )
    document = parse_text_file(sample_bytes(), SAMPLE)
    document.title = SAMPLE_TITLE
    document.source = "RT"
    document.published = dt.date(2021, 7, 26)
    document.meta = {"language": "en", "note": "English edition; text kept as published, "
                     "captions and photo credits included."}
    import_documents(project, [document])
    return project


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo accounts that still have their demo password."""
    logins = []
    for name, _role, password in DEMO_ACCOUNTS:
        user = find_user(name)
        if user is not None and user.password_hash and \
                check_password_hash(user.password_hash, password):
            logins.append((user.username, user.role, password))
    return logins


def demo_project() -> Project | None:
    return db.session.scalar(select(Project).where(Project.slug == DEMO_SLUG))
