"""The source ledger (INTERFACE.md, "Source ledger (JSON)"): a document's, a project's."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..access import (
    get_document,
    get_project,
    may_see_agreement,
    require_admin,
    require_spans_access,
)
from ..errors import BadRequest
from . import bp, ends_with_commit, int_arg, json_body, selection_args

GOLD = "gold"


def spans_arg() -> str | None:
    value = request.args.get("spans", "").strip()
    return value or None


@bp.get("/documents/<int:document_id>/ledger")
@ends_with_commit
def document_ledger(document_id: int):
    """Default: gold when the document has gold spans, else the caller's own spans. Gold's
    ledger is open to every reader of the document; another reviewer's, where the caller may
    read that reviewer's spans."""
    from ..ledger.report import document_ledger as ledger
    from ..ledger.report import has_gold

    document = get_document(document_id, current_user)
    spans = spans_arg()
    if spans is None:
        spans = GOLD if has_gold(document.id) else current_user.username
    if spans == GOLD:
        return ledger(document, GOLD)
    return ledger(document, require_spans_access(document, current_user, spans))


@bp.get("/projects/<slug>/ledger")
def project_ledger(slug: str):
    """Default: gold when the project has gold, else the caller's own submitted documents.
    Another reviewer's ledger: admins, and reviewers of open projects (as agreement);
    ``reliability`` likewise (null for others)."""
    from ..accounts import find_user
    from ..ledger.project import BY, cached_project_ledger
    from ..ledger.report import project_spans

    project = get_project(slug, current_user)
    documents, reviewers = selection_args()
    by = request.args.get("by") or None
    if by is not None and by not in BY:
        raise BadRequest("by must be source or month.", "by")
    spans, user_id = project_spans(project, current_user, spans_arg(), documents)
    reviewer_ids = None
    if reviewers is not None:
        found = [find_user(name) for name in reviewers]
        reviewer_ids = [u.id for u in found if u is not None]
    return cached_project_ledger(
        project, spans=spans, spans_user_id=user_id, by=by,
        bootstrap=int_arg("bootstrap", 0, 0, 10000) or 0,
        seed=int_arg("seed", None, -(2**31), 2**31 - 1),
        document_ids=documents, reviewer_ids=reviewer_ids,
        reliability=may_see_agreement(current_user, project),
        top=int_arg("top", 20, 0, 1_000_000) or None)


@bp.get("/projects/<slug>/ledger/aliases")
def ledger_aliases(slug: str):
    """The project's alias table: ``{"alias": "canonical"}`` (source keys)."""
    from ..ledger.aliases import aliases_of

    return aliases_of(get_project(slug, current_user))


@bp.put("/projects/<slug>/ledger/aliases")
def put_ledger_aliases(slug: str):
    """Replace the alias table (admins); every ledger figure follows."""
    from ..ledger.aliases import set_aliases

    project = get_project(slug, current_user)
    require_admin(current_user)
    return set_aliases(project, json_body(), current_user)
