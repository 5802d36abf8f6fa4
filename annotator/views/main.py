"""The reviewer's pages: projects and their documents."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..access import get_admin_document, get_document, get_project
from ..annotations import paragraph_texts
from ..assignments import assigned_document_ids
from ..assignments import next_document as pick_next
from ..errors import DomainError, Invalid
from ..layout import merge_paragraphs as merge_paragraphs_of
from ..layout import split_paragraph as split_paragraph_of
from ..progress import project_document_progress, projects_overview
from ..suggestions import RULES
from ..suggestions import store as suggestion_store
from .forms import ActionForm, SelectChoice, SuggestionSettingsForm

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("index.html", projects=projects_overview(current_user.id))


@bp.get("/projects/<slug>")
@login_required
def project(slug: str):
    project = get_project(slug, current_user)
    documents = project_document_progress(project, current_user.id)
    if project.reviewers_per_document and not current_user.is_admin:
        # With reviewers per document, a reviewer's list holds the documents assigned to them.
        assigned = assigned_document_ids(project, current_user)
        documents = [d for d in documents if d.id in assigned]
    # With reviewers per document the next one may be a new assignment: always offer it.
    next_doc = bool(project.reviewers_per_document) or any(
        d.status != "submitted" for d in documents)
    return render_template("project.html", project=project, documents=documents,
                           next_doc=next_doc, suggestions=_suggestions_panel(project))


def _suggestions_panel(project, form: SuggestionSettingsForm | None = None) -> dict | None:
    """What the project page shows admins of suggestions: the settings form, the evaluation
    against gold (once there is gold) and the decisions per rule."""
    if not current_user.is_admin:
        return None
    current = suggestion_store.settings(project)
    if form is None:
        form = SuggestionSettingsForm(data={
            "enabled": current["enabled"],
            "unprimed_documents": str(current["unprimed_documents"]),
            "rules_off": current["rules_off"]})
    form.rules_off.choices = [SelectChoice(rule.name, f"{rule.name} ({rule.label})")
                              for rule in RULES]
    evaluation = (suggestion_store.evaluate_project(project)
                  if suggestion_store.has_gold(project) else None)
    return {"form": form, "settings": current, "evaluation": evaluation,
            "decisions": suggestion_store.decision_rates(project),
            "rule_labels": {rule.name: rule.label for rule in RULES}}


@bp.post("/projects/<slug>/suggestions")
@login_required
def suggestion_settings(slug: str):
    """The settings form of the project page's suggestions section (admins)."""
    project = get_project(slug, current_user)
    if not current_user.is_admin:
        abort(403)
    form = SuggestionSettingsForm()
    form.rules_off.choices = [SelectChoice(rule.name, rule.name) for rule in RULES]
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors)
              or "The settings were not saved.", "error")
        return redirect(url_for("main.project", slug=slug) + "#suggestions")
    suggestion_store.update_settings(project, {
        "enabled": bool(form.enabled.data), "unprimed_documents": form.unprimed,
        "rules_off": list(form.rules_off.data or [])})
    flash("Suggestion settings saved.", "success")
    return redirect(url_for("main.project", slug=slug) + "#suggestions")


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    doc = get_document(document_id, current_user)
    texts = paragraph_texts(doc.id)
    return render_template("document.html", document=doc, paragraphs=texts, form=ActionForm())


def _mended(document_id: int, change) -> Response:
    """A merge or split from the document page: its outcome as a flash, back on the page."""
    doc = get_admin_document(document_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        message = change(doc)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("main.document", document_id=document_id))


@bp.post("/documents/<int:document_id>/paragraphs/<int:index>/merge")
@login_required
def merge_paragraphs(document_id: int, index: int):
    separator = request.form.get("separator", "space")

    def change(doc):
        merge_paragraphs_of(doc, index, current_user, separator)
        return f"Paragraphs {index + 1} and {index + 2} are one now; their spans moved with them."
    return _mended(document_id, change)


@bp.post("/documents/<int:document_id>/paragraphs/<int:index>/split")
@login_required
def split_paragraph(document_id: int, index: int):
    raw = request.form.get("at", "").strip()

    def change(doc):
        if not raw.isdigit():
            raise Invalid("Place the cursor where the paragraph should be cut (or give the "
                          "character number).", "at")
        split_paragraph_of(doc, index, int(raw), current_user)
        return f"Paragraph {index + 1} is two now; the spans after the cut moved with them."
    return _mended(document_id, change)


@bp.get("/projects/<slug>/next")
@login_required
def next_document_page(slug: str):
    """A GET changes nothing (a link from another site could otherwise make assignments): it
    offers the button that asks for the next document."""
    project = get_project(slug, current_user)
    return render_template("next.html", project=project, form=ActionForm())


@bp.post("/projects/<slug>/next")
@login_required
def next_document(slug: str):
    """The caller's next document on the annotate page (as POST /api/projects/SLUG/next:
    with reviewers per document, a new assignment when none is open)."""
    project = get_project(slug, current_user)
    document = pick_next(project, current_user)
    if document is None:
        flash("There is no document left for you in this project.", "info")
        return redirect(url_for("main.project", slug=slug))
    return redirect(url_for("annotate.annotate", document_id=document.id))
