"""The JSON API described as an OpenAPI 3.1 document, served at ``GET /api/openapi.json``.

Written here as data, next to the routes it describes. Two tests keep it true: one compares
its paths and methods with the app's /api rules (both ways, and each operationId with the
route's endpoint), and one fuzzes every operation with schemathesis against a seeded project,
checking that no answer is a 5xx and that every answer matches this document (status, media
type, JSON schema). The document is public: it holds nothing that the code does not.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata
from typing import Any

from ..exports import FORMATS
from ..inputs import MAX_DEPTH, MAX_INT
from ..projects import MAX_REVIEWERS_PER_DOCUMENT
from ..spans import MAX_CLIENT_ID, MAX_NOTE
from . import bp

JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict, required: list[str] | tuple[str, ...] | None = None,
        closed: bool = True, **extra: Any) -> dict:
    """An object schema; ``required`` defaults to every property; ``closed``: no others."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "required": list(properties if required is None else required)}
    if closed:
        schema["additionalProperties"] = False
    schema.update(extra)
    return schema


INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
TEXT = {"type": "string"}
NUMBER_OR_NULL = {"type": ["number", "null"]}
OFFSET = {"type": "integer", "minimum": 0, "maximum": MAX_INT,
          "description": "Unicode code points into the paragraph; half-open (end excluded)."}
ATTRIBUTE_VALUE = {"anyOf": [{"type": "string"}, {"type": "boolean"}, array({"type": "string"})]}
ATTRIBUTES = {"type": "object", "additionalProperties": ATTRIBUTE_VALUE,
              "description": "Per attribute key of the label: a choice, a list of choices "
                             "(multi), text or a boolean, as the codebook says."}
NOTE = {"type": "string", "maxLength": MAX_NOTE}
PLACE = {"paragraph": {**OFFSET, "description": "The paragraph's index, from 0."},
         "start": OFFSET, "end": OFFSET, "label": {"type": "string", "minLength": 1}}
SPAN_BASE = {"id": ID, "document_id": ID, **PLACE,
             "text": {"type": "string", "description": "The paragraph's text at the offsets."},
             "attributes": ATTRIBUTES, "note": TEXT}

PROJECT = {
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
    "name": TEXT, "documents": COUNT, "labels": array(TEXT), "blind": {"type": "boolean"},
    "reviewers_per_document": nullable({"type": "integer", "minimum": 1,
                                        "maximum": MAX_REVIEWERS_PER_DOCUMENT})}

SCHEMAS: dict[str, dict] = {
    "Error": obj({"error": {"type": "string", "description": "One sentence naming the fault."},
                  "field": {"type": "string", "description": "The field at fault, when one is "
                                                             "(e.g. note, attributes.source)."}},
                 required=["error"]),
    "Answers": {"type": "object", "description": "Answers to the codebook's article-level "
                "questions: {question key: value} (a choice, an ordinal choice, a list of "
                "choices, a number, true or false, or text).",
                "additionalProperties": True},
    "GoldAnswers": obj({"gold": {"type": "object", "additionalProperties": obj(
        {"value": {}, "provenance": TEXT})},
        "proposals": {"type": "object", "additionalProperties": obj(
            {"value": {}, "provenance": TEXT, "answers": COUNT})},
        "reviewers": {"type": "object", "additionalProperties": obj(
            {"answers": {"$ref": "#/components/schemas/Answers"}, "status": TEXT})}}),
    "LayoutChanged": obj({"error": TEXT, "field": TEXT, "layout": {
        **COUNT, "description": "The document's layout version now: its paragraphs were merged "
                                "or split since the page that sent X-Document-Layout opened."}},
                         required=["error", "layout"]),
    "MergeResult": obj({"paragraphs": COUNT, "merged": COUNT, "text": TEXT}),
    "SplitResult": obj({"paragraphs": COUNT, "first": TEXT, "second": TEXT}),
    "DuplicateSpan": obj({"error": TEXT, "existing": {**ID, "description": "The caller's span "
                                                      "with that paragraph, start, end and "
                                                      "label."},
                          "field": TEXT}, required=["error", "existing"]),
    "Span": obj({**SPAN_BASE,
                 "reviewer": TEXT,
                 "client_id": nullable({"type": "string"}),
                 "origin": nullable({"type": "string", "description": "suggestion:RULE for "
                                     "a span accepted from a suggestion; null when made by "
                                     "hand."}),
                 "created_at": nullable({"type": "string", "format": "date-time"}),
                 "updated_at": nullable({"type": "string", "format": "date-time"})},
                description="A reviewer's span."),
    "SpanCreate": obj({**PLACE, "attributes": ATTRIBUTES, "note": NOTE,
                       "client_id": {"type": "string", "minLength": 1,
                                     "maxLength": MAX_CLIENT_ID,
                                     "description": "Makes the create idempotent: the same "
                                                    "client_id again answers 200 with the span "
                                                    "stored the first time."}},
                      required=["paragraph", "start", "end", "label"]),
    "SpanChange": obj({"start": OFFSET, "end": OFFSET, "label": PLACE["label"],
                       "attributes": ATTRIBUTES, "note": NOTE}, required=[],
                      description="Any of the fields; a new label without attributes clears "
                                  "them."),
    "Suggestion": obj({"id": {"type": "string", "description": "Stable for the same text and "
                                                       "rule set."},
                       **PLACE, "attributes": ATTRIBUTES,
                       "rule": {"type": "string", "description": "The rule that found it."}},
                      required=["id", "paragraph", "start", "end", "label", "attributes",
                                "rule"]),
    "SuggestionAccept": obj({"start": OFFSET, "end": OFFSET, "label": PLACE["label"],
                             "attributes": ATTRIBUTES, "note": NOTE,
                             "client_id": {"type": "string", "minLength": 1,
                                           "maxLength": MAX_CLIENT_ID}}, required=[],
                            description="Any of the fields, to accept the suggestion changed "
                                        "(logged as edited); client_id makes it idempotent."),
    "SuggestionSettings": obj({"enabled": {"type": "boolean"},
                               "unprimed_documents": {"type": "integer", "minimum": 0,
                                                      "maximum": 10000},
                               "rules_off": array(TEXT)}, required=[]),
    "SuggestionSettingsState": obj({"enabled": {"type": "boolean"},
                                    "unprimed_documents": COUNT, "rules_off": array(TEXT),
                                    "rules": array(TEXT)}),
    "SuggestionEvaluation": obj({"against": TEXT, "documents": COUNT, "paragraphs": COUNT,
                                 "thresholds": array({"type": "object"}),
                                 "decisions": {"type": "object"}}),
    "GoldSpan": obj({**SPAN_BASE, "provenance": {
        "type": "string", "description": "unanimous, majority, adjudicated:NAME, imported, "
                                         "or what an import gave."}}),
    "GoldSpanCreate": obj({**PLACE, "attributes": ATTRIBUTES, "note": NOTE},
                          required=["paragraph", "start", "end", "label"]),
    "GoldSpanReplace": obj({**PLACE, "attributes": ATTRIBUTES, "note": NOTE,
                            "provenance": {"type": "string", "minLength": 1, "maxLength": 100},
                            "text": TEXT, "id": INTEGER, "document_id": INTEGER},
                           required=["paragraph", "start", "end", "label"],
                           description="A gold span as GET answers it; id and document_id are "
                                       "ignored, text must match the offsets when given."),
    "GoldProposal": obj({**PLACE, "text": TEXT, "attributes": ATTRIBUTES,
                         "provenance": {"enum": ["unanimous", "majority"]},
                         "support": {**COUNT, "description": "The fewest reviewers covering "
                                                             "any one token of the run."},
                         "reviewers": COUNT}),
    "StoredProposal": obj({**SPAN_BASE, "provenance": {"enum": ["unanimous", "majority"]},
                           "support": COUNT, "reviewers": COUNT},
                          description="A gold span that auto gold stored, with its support."),
    "UnanimousSpan": obj({**PLACE, "text": TEXT, "attributes": ATTRIBUTES,
                          "annotation_ids": array(ID), "in_gold": {"type": "boolean"}}),
    "AutoGold": obj({"proposed": array(ref("StoredProposal")),
                     "skipped": array(ref("GoldProposal")),
                     "rejected": array(ref("GoldProposal")),
                     "kept": COUNT, "removed": COUNT, "gold": array(ref("GoldSpan"))}),
    "Accepted": obj({"accepted": array(ref("GoldSpan")), "created": COUNT,
                     "gold": array(ref("GoldSpan"))}),
    "Rejection": obj({"id": ID, **PLACE, "text": TEXT, "rejected_by": nullable(TEXT),
                      "created_at": nullable({"type": "string", "format": "date-time"})},
                     description="A place and label rejected for the gold: a reviewer's span "
                                 "rejected, or gold deleted, moved or relabelled there. The "
                                 "page shows reviewers' spans there as rejected; auto gold "
                                 "does not propose it."),
    "RejectionCreate": {"anyOf": [obj({"annotation_id": ID}), obj(PLACE)]},
    "AdjudicationState": obj({
        "paragraphs": {**COUNT, "description": "The document's paragraphs."},
        "adjudicated": array(obj({"paragraph": COUNT, "by": nullable(TEXT),
                                  "at": nullable({"type": "string", "format": "date-time"})}))},
        description="The paragraphs an adjudicator marked adjudicated, who and when."),
    "ReviewState": obj({"status": {"enum": ["not_started", "in_progress", "submitted"]},
                        "reviewed_paragraphs": array(COUNT)}),
    "ProjectSummary": obj(PROJECT),
    "Project": obj({**PROJECT, "codebook": ref("Codebook")}),
    "Codebook": obj({
        "labels": array(obj({
            "key": TEXT, "name": TEXT, "color": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
            "hotkey": TEXT, "description": TEXT, "example": TEXT,
            "attributes": array(obj({
                "key": TEXT, "name": TEXT,
                "type": {"enum": ["choice", "multi", "text", "boolean"]},
                "choices": array(TEXT), "description": TEXT}, required=["key", "name", "type"])),
        }, required=["key", "name", "color", "description", "attributes"])),
        "questions": array(obj({
            "key": TEXT, "name": TEXT,
            "type": {"enum": ["choice", "ordinal", "multi", "number", "boolean", "text"]},
            "choices": array(TEXT), "required": {"type": "boolean"}, "description": TEXT},
            required=["key", "name", "type"])),
        "ledger": {"type": "object"},
        "name": {}, "description": {}, "version": {}}, required=["labels"]),
    "DocumentItem": obj({"id": ID, "title": TEXT, "paragraphs": COUNT,
                         "source": nullable(TEXT), "external_id": nullable(TEXT),
                         "status": {"enum": ["not_started", "in_progress", "submitted"]}}),
    "Document": obj({
        "id": ID, "project": TEXT, "title": TEXT, "source": nullable(TEXT),
        "url": nullable(TEXT), "published": nullable({"type": "string", "format": "date"}),
        "meta": {"type": "object"}, "external_id": nullable(TEXT),
        "paragraphs": array(obj({"index": COUNT, "text": TEXT}))}),
    "NextDocument": obj({"id": ID, "title": TEXT}),
    "Interval": nullable({"type": "array", "items": {"type": "number"}, "minItems": 2,
                          "maxItems": 2}),
    "LabelFigures": obj({
        "paragraph_alpha": NUMBER_OR_NULL, "token_alpha": NUMBER_OR_NULL,
        "unitizing_alpha": NUMBER_OR_NULL, "f1_exact": NUMBER_OR_NULL,
        "f1_overlap": NUMBER_OR_NULL, "fleiss_kappa": NUMBER_OR_NULL,
        "cohen_kappa": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
        "attributes": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
        "ci": {"type": "object", "additionalProperties": ref("Interval")},
        "counts": {"type": "object", "additionalProperties": COUNT},
    }, required=["paragraph_alpha", "token_alpha", "unitizing_alpha", "f1_exact",
                 "f1_overlap", "fleiss_kappa", "cohen_kappa", "attributes"], closed=False,
        description="Figures of one label (INTERFACE.md, 'Agreement report'); null where "
                    "undefined. More figures may be added."),
    "AgreementReport": obj({
        "project": TEXT, "reviewers": array(TEXT), "documents": COUNT, "paragraphs": COUNT,
        "labels": {"type": "object", "additionalProperties": ref("LabelFigures")},
        "overall": {"type": "object", "properties": {
            "token_alpha": NUMBER_OR_NULL, "unitizing_alpha": NUMBER_OR_NULL,
            "f1_exact": NUMBER_OR_NULL, "f1_overlap": NUMBER_OR_NULL,
            "ci": {"type": "object", "additionalProperties": ref("Interval")}}},
        "documents_by_disagreement": array(obj({"id": ID, "title": TEXT,
                                                "f1_overlap": NUMBER_OR_NULL})),
        "reviewers_detail": {"type": "object", "additionalProperties": {"type": "object"}},
        "gold": obj({"documents": COUNT, "spans": COUNT}),
        "confusion": obj({"labels": array(TEXT), "tokens": array(array({"type": "number"}))}),
        "bootstrap": obj({"resamples": COUNT, "seed": nullable(INTEGER)}),
        "origin": {"enum": ["suggestion", "hand"], "description": "The spans the report "
                   "was restricted to, when it was (the origin query parameter)."},
        "questions": {"type": "object", "additionalProperties": obj({
            "alpha": NUMBER_OR_NULL, "metric": {"enum": ["nominal", "ordinal", "interval",
                                                         "masi"]},
            "units": COUNT, "percent_agreement": NUMBER_OR_NULL,
            "ci": obj({"alpha": nullable(ref("Interval")),
                       "percent_agreement": nullable(ref("Interval"))})},
            required=["alpha", "metric", "units", "percent_agreement"]),
            "description": "Per article-level question (INTERFACE.md, 'Article-level "
                           "questions'); text questions have no figure."},
    }, required=["project", "reviewers", "documents", "paragraphs", "labels", "overall",
                 "documents_by_disagreement", "reviewers_detail"], closed=False),
    "LedgerRow": obj({
        "key": TEXT, "name": TEXT, "type": nullable(TEXT), "named": {"type": "boolean"},
        "mentions": COUNT, "forms": {"type": "object", "additionalProperties": COUNT},
        "channels": {"type": "object", "additionalProperties": COUNT},
        "first_paragraph": COUNT, "attributed_chars": COUNT,
        "attributed_share": NUMBER_OR_NULL,
        "spans": array(obj({"paragraph": COUNT, "start": COUNT, "end": COUNT, "id": ID},
                           required=["paragraph", "start", "end"])),
    }, required=["key", "name", "type", "named", "mentions", "forms", "channels",
                 "first_paragraph", "attributed_chars", "attributed_share"], closed=False),
    "DocumentLedger": obj({
        "document": ID, "spans": TEXT, "mentions": COUNT, "sources": COUNT,
        "named_sources": COUNT, "unnamed_sources": COUNT, "untyped_sources": COUNT,
        "anonymous_share": NUMBER_OR_NULL, "official_share": NUMBER_OR_NULL,
        "type_counts": {"type": "object", "additionalProperties": COUNT},
        "simpson": NUMBER_OR_NULL, "shannon": NUMBER_OR_NULL, "evenness": NUMBER_OR_NULL,
        "attributed_share": NUMBER_OR_NULL, "direct_quote_share": NUMBER_OR_NULL,
        "stance": {"type": "object", "additionalProperties": COUNT},
        "disclaimers": {"type": "object", "additionalProperties": COUNT},
        "flags": array({"enum": ["no_sources", "single_source", "anonymous_only",
                                 "single_type_dominates"]}),
        "rows": array(ref("LedgerRow")),
    }, required=["document", "spans", "mentions", "sources", "named_sources",
                 "unnamed_sources", "anonymous_share", "official_share", "type_counts",
                 "simpson", "shannon", "evenness", "attributed_share", "direct_quote_share",
                 "stance", "disclaimers", "flags", "rows"], closed=False,
        description="INTERFACE.md, 'Source ledger (JSON)'; null where undefined."),
    "LedgerMeans": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
    "LedgerIntervals": {"type": "object", "additionalProperties": ref("Interval")},
    "ProjectLedger": obj({
        "project": TEXT, "spans": TEXT, "documents": COUNT,
        "totals": obj({"mentions": COUNT, "sources": COUNT, "named_sources": COUNT,
                       "unnamed_sources": COUNT,
                       "type_counts": {"type": "object", "additionalProperties": COUNT}},
                      closed=False),
        "means": ref("LedgerMeans"), "ci": ref("LedgerIntervals"),
        "groups": array(obj({"key": nullable(TEXT), "documents": COUNT,
                             "means": ref("LedgerMeans"), "ci": ref("LedgerIntervals")},
                            required=["key", "documents", "means"], closed=False)),
        "top_sources": array(obj({"key": TEXT, "name": TEXT, "type": nullable(TEXT),
                                  "documents": COUNT, "mentions": COUNT})),
        "reliability": nullable({"type": "object", "additionalProperties": obj(
            {"alpha": NUMBER_OR_NULL, "units": COUNT, "values": COUNT})}),
        "document_rows": array({"type": "object"}),
    }, required=["documents", "totals", "means", "groups", "top_sources", "reliability"],
        closed=False,
        description="INTERFACE.md, 'Source ledger (JSON)'; reliability is null for a "
                    "reviewer of a blind project."),
}

# --- parameters and responses ---------------------------------------------------------------


def path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": {"type": "integer", "minimum": 0}}


SLUG = {"name": "slug", "in": "path", "required": True, "description": "The project's slug.",
        "schema": {"type": "string"}}
DOCUMENT_ID = path_id("document_id", "document")
SPAN_ID = path_id("span_id", "span")
GOLD_ID = path_id("gold_id", "gold span")
SUGGESTION_ID = {"name": "suggestion_id", "in": "path", "required": True,
                 "description": "The suggestion's id.", "schema": {"type": "string"}}
LAYOUT = {"name": "X-Document-Layout", "in": "header", "required": False,
          "description": "The layout version of the document's paragraphs the calling page was "
                         "drawn from; a different one answers 409 (they were merged or split).",
          "schema": {"type": "string"}}
INDEX = {"name": "index", "in": "path", "required": True,
         "description": "The paragraph's index, from 0.",
         "schema": {"type": "integer", "minimum": 0}}
DOCUMENTS = {"name": "documents", "in": "query", "required": False,
             "description": "Only these documents: ids separated by commas.",
             "schema": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"}}
REVIEWERS = {"name": "reviewers", "in": "query", "required": False,
             "description": "Only these reviewers: user names separated by commas.",
             "schema": {"type": "string"}}

ALIASES = {"type": "object", "additionalProperties": {"type": "string"}}
LEDGER_SPANS = {"name": "spans", "in": "query", "required": False,
                "description": "gold, or a reviewer's name.", "schema": {"type": "string"}}

def flag(name: str, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description +
            " (true, 1, yes or on).", "schema": {"type": "boolean"}}


WHY = {
    400: "Malformed: not JSON, not the expected shape, nested more than "
         f"{MAX_DEPTH} levels, a NUL character in a query parameter, or a cookie write "
         "without its CSRF token.",
    401: "No session and no valid token ('Authorization: Bearer TOKEN').",
    403: "The caller may not do this (not an admin, a blind project, not assigned).",
    404: "There is no such thing, or the caller may not know of it.",
    409: "The request clashes with what is stored (a submitted document, a duplicate).",
    410: "The span of this client_id was deleted: a retry must not bring it back.",
    413: "The body is larger than the limit.",
    422: "Well-formed but invalid (offsets, label, attributes, text that cannot be stored); "
         "field names the field at fault.",
}


def error(status: int, schema: dict | None = None) -> dict:
    return {"description": WHY[status],
            "content": {JSON: {"schema": schema or ref("Error")}}}


def ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


NO_CONTENT = {"description": "Done; no body."}
LAYOUT_CONFLICT = error(409, {"anyOf": [ref("LayoutChanged"), ref("Error")]})


def operation(endpoint: str, summary: str, responses: dict, *, params: list | None = None,
              body: dict | None = None, body_required: bool = True,
              errors: tuple[int, ...] = ()) -> dict:
    """One operation; every one may answer 400 (a NUL in the query) and 401; those with a
    body also 413 and 422, those with an id or slug in the path 404."""
    statuses = {400, 401, *errors}
    if body is not None:
        statuses |= {413, 422}
    if any(p["in"] == "path" for p in params or ()):
        statuses.add(404)
    op: dict[str, Any] = {"operationId": endpoint, "summary": summary,
                          "tags": [endpoint_tag(endpoint)], "responses": dict(responses)}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": body}}}
    for status in sorted(statuses):
        op["responses"].setdefault(str(status), error(status))
    return op


def endpoint_tag(endpoint: str) -> str:
    if "gold" in endpoint:
        return "gold"
    if "suggestion" in endpoint:
        return "suggestions"
    if endpoint in ("list_projects", "get_project", "get_codebook", "list_documents",
                    "next_document", "agreement", "export", "project_ledger",
                    "ledger_aliases", "put_ledger_aliases"):
        return "projects"
    return "documents"


EXPORT_MEDIA = {"jsonl": "application/x-ndjson", "doccano": "application/x-ndjson",
                "csv": "text/csv", "conll": "text/plain", "brat": "application/zip",
                "answers-csv": "text/csv"}

# --- the paths --------------------------------------------------------------------------------

PATHS: dict[str, dict[str, dict]] = {
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document (no login needed).",
        "tags": ["api"], "security": [],
        "responses": {"200": ok({"type": "object", "required": ["openapi", "paths"]},
                                "The OpenAPI 3.1 document of the JSON API."),
                      "400": error(400)}}},
    "/api/projects": {"get": operation(
        "list_projects", "The projects visible to the caller.",
        {"200": ok(array(ref("ProjectSummary")))})},
    "/api/projects/{slug}": {"get": operation(
        "get_project", "A project with its codebook.", {"200": ok(ref("Project"))},
        params=[SLUG])},
    "/api/projects/{slug}/codebook": {"get": operation(
        "get_codebook", "A project's codebook.", {"200": ok(ref("Codebook"))}, params=[SLUG])},
    "/api/projects/{slug}/documents": {"get": operation(
        "list_documents", "The project's documents with the caller's status (with reviewers "
        "per document, a reviewer's own assignments).",
        {"200": ok(array(ref("DocumentItem")))}, params=[SLUG])},
    "/api/projects/{slug}/next": {"post": operation(
        "next_document", "The caller's next document (assigning one with reviewers per "
        "document).", {"200": ok(ref("NextDocument")),
                       "204": {"description": "Nothing is left for the caller."}},
        params=[SLUG])},
    "/api/projects/{slug}/agreement": {"get": operation(
        "agreement", "The agreement report (admins; reviewers of open projects).",
        {"200": ok(ref("AgreementReport"))},
        params=[SLUG,
                {"name": "bootstrap", "in": "query", "required": False,
                 "description": "Resamples for 95 % intervals.",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 10000}},
                {"name": "origin", "in": "query", "required": False,
                 "description": "Only the spans accepted from suggestions (suggestion) or only "
                                "those made by hand (hand).",
                 "schema": {"enum": ["suggestion", "hand"]}},
                {"name": "seed", "in": "query", "required": False,
                 "description": "The resampling's seed.",
                 "schema": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}},
                DOCUMENTS, REVIEWERS],
        errors=(403,))},
    "/api/projects/{slug}/ledger": {"get": operation(
        "project_ledger", "The project's source ledger: gold by default (the caller's own "
        "submitted documents in a project without gold).", {"200": ok(ref("ProjectLedger"))},
        params=[SLUG, LEDGER_SPANS,
                {"name": "by", "in": "query", "required": False,
                 "description": "Group the documents by outlet (source) or month.",
                 "schema": {"enum": ["source", "month"]}},
                {"name": "bootstrap", "in": "query", "required": False,
                 "description": "Resamples of documents for 95 % intervals of the means.",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 10000}},
                {"name": "seed", "in": "query", "required": False,
                 "description": "The resampling's seed.",
                 "schema": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}},
                {"name": "top", "in": "query", "required": False,
                 "description": "How many top sources (0: all; default 20).",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 1000000}},
                DOCUMENTS, REVIEWERS],
        errors=(403,))},
    "/api/projects/{slug}/ledger/aliases": {
        "get": operation("ledger_aliases", "The project's alias table of sources: "
                         "{alias: canonical} (source keys).",
                         {"200": ok(ALIASES)}, params=[SLUG]),
        "put": operation("put_ledger_aliases", "Replace the alias table (admins); keys are "
                         "normalised as source keys; an alias of itself or a circle is 422.",
                         {"200": ok(ALIASES)}, params=[SLUG], body=ALIASES,
                         errors=(403,))},
    "/api/projects/{slug}/export": {"get": operation(
        "export", "The labelled data as a download, streamed.",
        {"200": {"description": "The file (Content-Disposition: attachment).",
                 "content": {media: {"schema": {"type": "string"}}
                             for media in dict.fromkeys(EXPORT_MEDIA.values())}}},
        params=[SLUG,
                {"name": "format", "in": "query", "required": False,
                 "schema": {"enum": list(FORMATS), "default": "jsonl"}},
                flag("gold_only", "Gold spans only (admins)"),
                flag("submitted_only", "Submitted reviews only"),
                DOCUMENTS, REVIEWERS],
        errors=(403, 422))},
    "/api/documents/{document_id}": {"get": operation(
        "get_document", "A document and its paragraphs.", {"200": ok(ref("Document"))},
        params=[DOCUMENT_ID])},
    "/api/documents/{document_id}/annotations": {
        "get": operation(
            "list_annotations", "The caller's spans of the document, or another reviewer's "
            "where the caller may see them.", {"200": ok(array(ref("Span")))},
            params=[DOCUMENT_ID, {"name": "reviewer", "in": "query", "required": False,
                                  "description": "Another reviewer's spans.",
                                  "schema": {"type": "string"}}],
            errors=(403,)),
        "post": operation(
            "create_annotation", "Store a span of the caller.",
            {"201": ok(ref("Span"), "Stored."),
             "200": ok(ref("Span"), "This client_id was stored before: that span."),
             "409": error(409, {"anyOf": [ref("DuplicateSpan"), ref("LayoutChanged"),
                                          ref("Error")]})},
            params=[DOCUMENT_ID, LAYOUT], body=ref("SpanCreate"), errors=(403, 409, 410))},
    "/api/annotations/{span_id}": {
        "patch": operation("update_annotation", "Change one of the caller's spans.",
                           {"200": ok(ref("Span")), "409": LAYOUT_CONFLICT},
                           params=[SPAN_ID, LAYOUT], body=ref("SpanChange"), errors=(403, 409)),
        "delete": operation("delete_annotation", "Delete one of the caller's spans.",
                            {"204": NO_CONTENT, "409": LAYOUT_CONFLICT},
                            params=[SPAN_ID, LAYOUT], errors=(403, 409))},
    "/api/documents/{document_id}/paragraphs/{index}/review": {
        "put": operation("mark_reviewed", "Mark the paragraph reviewed by the caller.",
                         {"200": ok(ref("ReviewState")), "409": LAYOUT_CONFLICT},
                         params=[DOCUMENT_ID, INDEX, LAYOUT], errors=(403, 409)),
        "delete": operation("unmark_reviewed", "Unmark the paragraph.",
                            {"200": ok(ref("ReviewState")), "409": LAYOUT_CONFLICT},
                            params=[DOCUMENT_ID, INDEX, LAYOUT], errors=(403, 409))},
    "/api/documents/{document_id}/paragraphs/{index}/merge": {"post": operation(
        "merge_paragraphs", "Merge the paragraph with the next one; every span, gold span and "
        "review mark moves with its text (admins).", {"200": ok(ref("MergeResult"))},
        params=[DOCUMENT_ID, INDEX], body=obj({"separator": {"enum": ["space", "line"]}},
                                              required=[]),
        body_required=False, errors=(403,))},
    "/api/documents/{document_id}/paragraphs/{index}/split": {"post": operation(
        "split_paragraph", "Split the paragraph at a code point (the white space around the "
        "cut goes); a cut through a span is refused, naming it (admins).",
        {"200": ok(ref("SplitResult"))}, params=[DOCUMENT_ID, INDEX],
        body=obj({"at": OFFSET}), errors=(403, 409))},
    "/api/documents/{document_id}/review": {"get": operation(
        "get_review", "The caller's status and reviewed paragraphs.",
        {"200": ok(ref("ReviewState"))}, params=[DOCUMENT_ID])},
    "/api/documents/{document_id}/answers": {
        "get": operation("get_answers", "The caller's answers to the article-level questions "
                         "(or another reviewer's, where the caller may see their work).",
                         {"200": ok(ref("Answers"))},
                         params=[DOCUMENT_ID, {"name": "reviewer", "in": "query",
                                               "required": False, "schema": {"type": "string"}}],
                         errors=(403,)),
        "put": operation("put_answers", "Replace the caller's answers (checked against the "
                         "codebook's questions).", {"200": ok(ref("Answers"))},
                         params=[DOCUMENT_ID], body=ref("Answers"), errors=(403, 409))},
    "/api/documents/{document_id}/gold/answers": {"get": operation(
        "gold_answers", "The gold answers, the reviewers' proposals and answers (admins).",
        {"200": ok(ref("GoldAnswers"))}, params=[DOCUMENT_ID], errors=(403,))},
    "/api/documents/{document_id}/gold/answers/{question}": {"put": operation(
        "put_gold_answer", "Set (null: clear) the gold answer of one question (admins).",
        {"200": ok({"type": "object"})},
        params=[DOCUMENT_ID, {"name": "question", "in": "path", "required": True,
                              "schema": {"type": "string"}}],
        body=obj({"value": {}, "provenance": TEXT}, required=["value"]), errors=(403,))},
    "/api/documents/{document_id}/gold/answers/accept-proposals": {"post": operation(
        "accept_gold_answer_proposals", "Store every proposed gold answer where there is none "
        "(admins).", {"200": ok({"type": "object"})}, params=[DOCUMENT_ID], errors=(403,))},
    "/api/documents/{document_id}/submit": {"post": operation(
        "submit", "Submit the caller's work on the document (every paragraph reviewed; "
        "every required article-level question answered, else 422 naming it).",
        {"200": ok(ref("ReviewState")), "409": LAYOUT_CONFLICT}, params=[DOCUMENT_ID, LAYOUT],
        errors=(403, 409, 422))},
    "/api/documents/{document_id}/suggestions": {"get": operation(
        "list_suggestions", "The caller's suggestions: those the caller rejected and those "
        "equal to a span of theirs left out; empty where the project has them off for the "
        "caller.", {"200": ok(array(ref("Suggestion")))}, params=[DOCUMENT_ID],
        errors=(403,))},
    "/api/documents/{document_id}/suggestions/{suggestion_id}/accept": {"post": operation(
        "accept_suggestion", "The suggestion becomes the caller's span (origin "
        "suggestion:RULE); a body changes it first.",
        {"201": ok(ref("Span"), "Stored."),
         "200": ok(ref("Span"), "A retry with the same client_id: the span stored then."),
         "409": {"description": WHY[409], "content": {JSON: {"schema": {"anyOf": [
             ref("DuplicateSpan"), ref("LayoutChanged"), ref("Error")]}}}}},
        params=[DOCUMENT_ID, SUGGESTION_ID, LAYOUT], body=ref("SuggestionAccept"),
        body_required=False, errors=(403, 409, 410))},
    "/api/documents/{document_id}/suggestions/{suggestion_id}/reject": {"post": operation(
        "reject_suggestion", "Reject the suggestion: it is not offered to the caller again.",
        {"204": NO_CONTENT}, params=[DOCUMENT_ID, SUGGESTION_ID], errors=(403, 409))},
    "/api/projects/{slug}/suggestions/settings": {
        "get": operation("suggestion_settings", "The project's suggestion settings and the "
                         "rules there are.", {"200": ok(ref("SuggestionSettingsState"))},
                         params=[SLUG]),
        "put": operation("put_suggestion_settings", "Change the settings (admins): any of "
                         "the fields.", {"200": ok(ref("SuggestionSettingsState"))},
                         params=[SLUG], body=ref("SuggestionSettings"), errors=(403,))},
    "/api/projects/{slug}/suggestions/evaluation": {"get": operation(
        "suggestion_evaluation", "Precision and recall of the suggestions per label and rule "
        "at 30 % and 80 % token coverage, against gold or a reviewer, and the decisions per "
        "rule (admins).", {"200": ok(ref("SuggestionEvaluation"))},
        params=[SLUG, {"name": "against", "in": "query", "required": False,
                       "description": "gold (default) or a reviewer's name.",
                       "schema": {"type": "string"}}, DOCUMENTS], errors=(403,))},
    "/api/documents/{document_id}/gold": {
        "get": operation("get_gold", "The document's gold spans (admins).",
                         {"200": ok(array(ref("GoldSpan")))}, params=[DOCUMENT_ID],
                         errors=(403,)),
        "put": operation("put_gold", "Replace the document's gold spans (admins).",
                         {"200": ok(array(ref("GoldSpan")))}, params=[DOCUMENT_ID],
                         body={"anyOf": [array(ref("GoldSpanReplace")),
                                         obj({"gold": array(ref("GoldSpanReplace"))})]},
                         errors=(403,))},
    "/api/documents/{document_id}/gold/unanimous": {"get": operation(
        "gold_unanimous", "The spans every reviewer of their paragraph made alike (admins).",
        {"200": ok(array(ref("UnanimousSpan")))}, params=[DOCUMENT_ID], errors=(403,))},
    "/api/documents/{document_id}/gold/proposal": {"get": operation(
        "gold_proposal", "What auto gold would propose; nothing is stored (admins).",
        {"200": ok(array(ref("GoldProposal")))}, params=[DOCUMENT_ID], errors=(403,))},
    "/api/documents/{document_id}/gold/auto": {"post": operation(
        "gold_auto", "Run auto gold (admins).", {"200": ok(ref("AutoGold"))},
        params=[DOCUMENT_ID], body=obj({"replace": {"type": "boolean"}}, required=[]),
        body_required=False, errors=(403,))},
    "/api/documents/{document_id}/gold/accept": {"post": operation(
        "gold_accept", "Accept a reviewer's span, or all their spans in a paragraph, into "
        "the gold (admins).",
        {"201": ok(ref("Accepted"), "Something was added."),
         "200": ok(ref("Accepted"), "All of it was gold already.")},
        params=[DOCUMENT_ID],
        body={"anyOf": [obj({"annotation_id": ID}),
                        obj({"paragraph": PLACE["paragraph"], "reviewer": TEXT})]},
        errors=(403,))},
    "/api/documents/{document_id}/ledger": {"get": operation(
        "document_ledger", "A document's source ledger: gold by default when it has gold "
        "spans, else the caller's own spans.", {"200": ok(ref("DocumentLedger"))},
        params=[DOCUMENT_ID, LEDGER_SPANS], errors=(403,))},
    "/api/documents/{document_id}/gold/accept-unanimous": {"post": operation(
        "gold_accept_unanimous", "Accept every unanimous span, or the one named (admins).",
        {"201": ok(ref("Accepted"), "Something was added."),
         "200": ok(ref("Accepted"), "All of it was gold already.")},
        params=[DOCUMENT_ID], body=obj(PLACE), body_required=False, errors=(403,))},
    "/api/documents/{document_id}/gold/spans": {"post": operation(
        "create_gold", "Add a gold span (provenance adjudicated:CALLER; admins). Gold with "
        "that paragraph, label, start and end answers 409 with its id (existing).",
        {"201": ok(ref("GoldSpan"), "Stored."),
         "409": error(409, {"anyOf": [ref("DuplicateSpan"), ref("Error")]})},
        params=[DOCUMENT_ID], body=ref("GoldSpanCreate"), errors=(403, 409))},
    "/api/documents/{document_id}/gold/rejections": {
        "get": operation("gold_rejections", "The places and labels rejected for the gold, "
                         "with who rejected each (admins).",
                         {"200": ok(array(ref("Rejection")))}, params=[DOCUMENT_ID],
                         errors=(403,)),
        "post": operation("gold_reject", "Reject a reviewer's span (by its id, or its place "
                          "and label): remembered, shown as rejected, never proposed by auto "
                          "gold. Gold there answers 409 with its id (admins).",
                          {"201": ok(ref("Rejection"), "Rejected."),
                           "200": ok(ref("Rejection"), "It was rejected already."),
                           "409": error(409, {"anyOf": [ref("DuplicateSpan"), ref("Error")]})},
                          params=[DOCUMENT_ID], body=ref("RejectionCreate"),
                          errors=(403, 409))},
    "/api/gold/rejections/{rejection_id}": {"delete": operation(
        "gold_lift_rejection", "Undo a rejection (admins).", {"204": NO_CONTENT},
        params=[path_id("rejection_id", "rejection")], errors=(403,))},
    "/api/documents/{document_id}/gold/adjudicated": {"get": operation(
        "gold_adjudicated", "The paragraphs marked adjudicated (admins).",
        {"200": ok(ref("AdjudicationState"))}, params=[DOCUMENT_ID], errors=(403,))},
    "/api/documents/{document_id}/paragraphs/{index}/adjudicated": {
        "put": operation("gold_mark_adjudicated", "Mark the paragraph adjudicated by the "
                         "caller; marking it again keeps the first mark (admins).",
                         {"200": ok(ref("AdjudicationState"))}, params=[DOCUMENT_ID, INDEX],
                         errors=(403,)),
        "delete": operation("gold_unmark_adjudicated", "Take the paragraph's adjudicated "
                            "mark away (admins).", {"200": ok(ref("AdjudicationState"))},
                            params=[DOCUMENT_ID, INDEX], errors=(403,))},
    "/api/gold/{gold_id}": {
        "patch": operation("update_gold", "Change a gold span (admins).",
                           {"200": ok(ref("GoldSpan"))}, params=[GOLD_ID],
                           body=ref("SpanChange"), errors=(403, 409)),
        "delete": operation("delete_gold", "Delete a gold span; its place and label become "
                            "rejected for auto gold (admins).", {"204": NO_CONTENT},
                            params=[GOLD_ID], errors=(403,))},
}


@cache
def document() -> dict:
    try:
        version = metadata.version("framing-annotator")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        version = "0"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Framing annotator JSON API",
            "version": version,
            "description": (
                "JSON in and out. Errors are {\"error\": sentence} with \"field\" where one "
                "field is at fault. Authenticate with 'Authorization: Bearer TOKEN' (an API "
                "token; no CSRF token needed), or with the browser's session cookie, whose "
                "writes must carry the CSRF token in an X-CSRFToken header. Offsets count "
                "Unicode code points. See INTERFACE.md and docs/additions.md."),
        },
        "tags": [{"name": "projects"}, {"name": "documents"}, {"name": "gold"},
                 {"name": "suggestions"}, {"name": "api"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (annotator create-token NAME, or the "
                                          "account page)."},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session",
                           "description": "The browser's session after /login; writes also "
                                          "need the X-CSRFToken header."},
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return document()
