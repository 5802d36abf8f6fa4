"""Downloads of the labelled data, streamed (INTERFACE.md, "File formats")."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from flask_login import current_user

from ..access import export_scope, get_project
from ..errors import BadRequest
from ..extensions import db
from ..models import Project
from . import bp, flag_arg, selection_args


@bp.get("/projects/<slug>/export")
def export(slug: str):
    from ..exports import FORMATS, MEDIA_TYPES, filename
    from ..exports import export as run_export

    project = get_project(slug, current_user)
    fmt = request.args.get("format", "jsonl")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}.")
    options = export_options(project)
    run_export(project, fmt, options)  # refuses a bad request before the 200 is sent
    project_id = project.id

    def generate():
        # Everything is read while the response streams, in the session of the stream's own
        # context (the view's ends before), in one snapshot (exports.iter_documents).
        yield from run_export(db.session.get(Project, project_id), fmt, options)

    response = Response(stream_with_context(generate()), mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = \
        f'attachment; filename="{filename(project, fmt, options)}"'
    return response


def export_options(project: Project):
    """The request's selection, narrowed to what the caller may export (``access``)."""
    from ..exports import ExportOptions

    documents, reviewers = selection_args()
    gold_only = flag_arg("gold_only")
    scope = export_scope(current_user, project, reviewers, gold_only)
    return ExportOptions(
        reviewers=scope.reviewers, viewer_id=scope.viewer_id, others_in=scope.others_in,
        submitted_only=flag_arg("submitted_only"), gold_only=gold_only,
        document_ids=documents, raw=flag_arg("raw"))
