"""The annotate page: one document, one reviewer, paragraph by paragraph.

The page is rendered once on the server: the paragraphs as escaped text (so the page reads
without JavaScript and the browser parses it fast), the reviewer's spans and the codebook as a
JSON block that the ES modules in ``static/js/annotate/`` turn into highlights. Every change
goes back through the JSON API. Label colours come from a per-project stylesheet
(``/projects/SLUG/codebook.css``) because the Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import annotations
from ..access import get_document, get_project, is_self, require_assignment, require_spans_access
from ..codebook import load_codebook
from ..models import Document, User

bp = Blueprint("annotate", __name__)

# Ids in URL templates handed to the page: the script replaces the placeholder.
_SENTINEL = 987654321
# How long the page waits at most between two retries of an unsent change (milliseconds).
DEFAULT_RETRY_MAX_MS = 15000


@bp.get("/documents/<int:document_id>/annotate")
@login_required
def annotate(document_id: int):
    document = get_document(document_id, current_user)
    project = document.project
    owner = _owner(document, request.args.get("reviewer"))
    viewing_other = owner.id != current_user.id
    state = annotations.review_state(document, owner)
    texts = annotations.paragraph_texts(document.id)
    codebook = load_codebook(project.codebook).data
    reviewed = state["reviewed_paragraphs"]
    reviewed_set = set(reviewed)
    current = next((i for i in range(len(texts)) if i not in reviewed_set), 0)
    submitted = state["status"] == "submitted"
    data = {
        "document": {"id": document.id, "title": document.title, "project": project.slug,
                     "paragraphs": len(texts)},
        "user": {"id": current_user.id, "name": current_user.username},
        "owner": owner.username,
        "viewing_other": viewing_other,
        "readonly": submitted or viewing_other,
        "status": state["status"],
        "reviewed": reviewed,
        "current": current,
        "labels": codebook["labels"],
        "retry_max_ms": int(current_app.config.get("ANNOTATE_RETRY_MAX_MS",
                                                   DEFAULT_RETRY_MAX_MS)),
        "urls": {
            "annotations": url_for("api.create_annotation", document_id=document.id),
            "annotation": _url_template("api.update_annotation", "span_id", "{id}"),
            "review": _url_template("api.mark_reviewed", "index", "{index}",
                                    document_id=document.id),
            "review_state": url_for("api.get_review", document_id=document.id),
            "submit": url_for("api.submit", document_id=document.id),
            "login": url_for("auth.login"),
            "csrf": url_for("annotate.csrf_token"),
            "project": url_for("main.project", slug=project.slug),
            "next": url_for("main.next_document", slug=project.slug),
        },
    }
    return render_template(
        "annotate.html", document=document, project=project, paragraphs=texts,
        reviewed=reviewed_set, current=current, data=data, owner=owner,
        data_json=page_json(data, annotations.page_spans_json(document.id, owner.id)),
        viewing_other=viewing_other, submitted=submitted, labels=codebook["labels"],
        css_version=codebook_version(project.codebook),
    )


def _owner(document: Document, reviewer: str | None) -> User:
    """Whose spans the page shows: the caller's, or (read-only) another reviewer's."""
    user = current_user._get_current_object()
    if is_self(user, reviewer or None):
        # With reviewers per document, only the documents assigned to the caller (403).
        require_assignment(document, user)
        return user
    # The API's rules for seeing another reviewer's spans (403 when not allowed, 404 for no
    # such reviewer).
    return require_spans_access(document, user, reviewer)


_SPANS = "__spans_json__"
# As Flask's tojson: the JSON may sit in a <script> element without ending it.
_HTML_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"))


def page_json(data: dict[str, Any], spans_json: str) -> Markup:
    # "spans" first: its placeholder is the first one in the text, whatever a title says.
    text = json.dumps({"spans": _SPANS, **data}, ensure_ascii=False, separators=(",", ":"))
    text = text.replace(json.dumps(_SPANS), spans_json, 1)
    for char, escaped in _HTML_SAFE:
        text = text.replace(char, escaped)
    return Markup(text)


def _url_template(endpoint: str, name: str, placeholder: str, **values: Any) -> str:
    values[name] = _SENTINEL
    return url_for(endpoint, **values).replace(str(_SENTINEL), placeholder)


@bp.get("/annotate/csrf-token")
@login_required
def csrf_token():
    """A fresh CSRF token for a page whose session was renewed while it stayed open."""
    response = current_app.json.response({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the per-project stylesheet -------------------------------------------------------------

@bp.get("/projects/<slug>/codebook.css")
@login_required
def codebook_css(slug: str):
    project = get_project(slug, current_user)
    response = Response(codebook_stylesheet(project.codebook), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(codebook_version(project.codebook))
    return response.make_conditional(request)


def codebook_version(codebook: dict[str, Any]) -> str:
    raw = json.dumps(codebook, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()[:12]


def codebook_stylesheet(codebook: dict[str, Any]) -> str:
    """CSS custom properties per label, used by static/css/annotate.css.

    ``--label``: the codebook colour, ``--label-ink``: readable text on it; ``--label-tint``:
    the highlight background (the colour mixed into white), ``--label-tint-ink``: text on the
    tint; ``--label-line``: the colour darkened until it stands out against white (3:1).
    """
    lines = ["/* Label colours of this project's codebook (generated). */"]
    for label in load_codebook(codebook).data["labels"]:
        colours = label_colours(label["color"])
        selector = f'[data-label="{css_identifier(label["key"])}"]'
        body = "; ".join(f"--{name}: {value}" for name, value in colours.items())
        lines.append(f"{selector} {{ {body}; }}")
    return "\n".join(lines) + "\n"


_CSS_SAFE = re.compile(r"[^a-z0-9_-]")


def css_identifier(value: str) -> str:
    """Escape anything but [a-z0-9_-] for use inside a quoted CSS attribute selector."""
    return _CSS_SAFE.sub(lambda m: f"\\{ord(m.group()):x} ", value)


def _rgb(color: str) -> tuple[int, int, int]:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        color = "#888888"  # the codebook validates colours; this is only a safety net
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(color: str) -> float:
    """WCAG relative luminance."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


DARK_INK = "#161b24"
LIGHT_INK = "#ffffff"


def readable_ink(background: str) -> str:
    return max((DARK_INK, LIGHT_INK), key=lambda ink: contrast(ink, background))


def _mix(color: str, weight: float, other: str = "#ffffff") -> str:
    c, o = _rgb(color), _rgb(other)
    return _hex(tuple(weight * c[i] + (1 - weight) * o[i] for i in range(3)))


def label_colours(color: str) -> dict[str, str]:
    color = color.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", color) else "#888888"
    tint = _mix(color, 0.26)
    line = color
    for _ in range(20):
        if contrast(line, "#ffffff") >= 3:
            break
        line = _mix(line, 0.85, "#000000")
    soft = _mix(color, 0.12)
    return {
        "label": color,
        "label-ink": readable_ink(color),
        "label-tint": tint,
        "label-tint-ink": readable_ink(tint),
        "label-soft": soft,
        "label-line": line,
    }

