"""The agreement report of a project (INTERFACE.md, "Agreement report")."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..access import get_project, require_agreement_access
from ..errors import BadRequest
from . import bp, int_arg, selection_args

# The agreement of the spans accepted from suggestions, or of those made by hand.
ORIGINS = ("suggestion", "hand")


@bp.get("/projects/<slug>/agreement")
def agreement(slug: str):
    from ..agreement.report import cached_report

    project = get_project(slug, current_user)
    require_agreement_access(current_user, project)
    documents, reviewers = selection_args()
    origin = request.args.get("origin") or None
    if origin not in (None, *ORIGINS):
        raise BadRequest("origin must be suggestion or hand.", "origin")
    return cached_report(
        project,
        bootstrap=int_arg("bootstrap", 0, 0, 10000),
        seed=int_arg("seed", None, -(2**31), 2**31 - 1),
        document_ids=documents,
        reviewers=reviewers,
        origin=origin,
    )
