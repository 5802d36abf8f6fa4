"""An independent, deliberately plain reference implementation of the agreement report.

Written from /work/shared/INTERFACE.md ("Agreement report (JSON)", its "Definitions" and
"Words") and the project's decisions on the points the interface leaves open, without looking
at ``annotator.agreement.report``. Everything here is a plain Python loop over what the
database stores; the only shared code is the validated metric functions of
``tests/agreement/metrics.py``. Slow on purpose: it is only used by the tests, to check the
vectorized report figure by figure.

The reading of the definitions, point by point:

- A paragraph is *reviewed* by a reviewer when the reviewer marked it done (a
  ``ParagraphReview`` row) or submitted the document (``DocumentReview.status == "submitted"``).
- A span counts only when its reviewer reviewed its paragraph; every other span is left out of
  every figure (it still makes its author one of the ``reviewers``).
- Per-label figures (except unitizing) run over the paragraphs reviewed by at least two
  reviewers; a reviewer who did not review a paragraph has a missing value there.
- Tokens: ``re.finditer(r"\\w+|[^\\w\\s]", text)``; a token is inside a span when they share
  at least one character: ``max(token_start, span_start) < min(token_end, span_end)``.
- ``unitizing_alpha``: per document, the paragraphs laid end to end (offset of paragraph p is
  the total length of the paragraphs before it); raters are the reviewers who submitted the
  document (at least two, else the document adds nothing); DKPro's D_o and D_e per document
  and label (the components of ``metrics.unitizing_disagreement`` divided by ``R * L**2``),
  each times the document's length squared L**2, are summed over documents (and labels, for
  ``overall``); alpha = 1 - sum L**2 D_o / sum L**2 D_e, None when the sum of L**2 D_e is 0.
- ``unitizing_alpha_document_mean``: the mean over those documents of 1 - D_o / D_e (for
  ``overall`` the sums over labels of the document's D_o and D_e), leaving out the documents
  where D_e is 0; None when none is left.
- F1: for each pair of reviewers, pooled over every paragraph both reviewed (all documents);
  the label's figure is the mean over the pairs whose F1 is defined.
- ``cohen_kappa``: every pair of reviewers, key ``"a|b"`` with the two names sorted.
- ``fleiss_kappa``: over the paragraphs with the most common number m >= 2 of reviewers (the
  larger m on a tie).
- ``attributes``: units are the connected components of the overlap graph of all the counted
  spans of the label in a paragraph (reviewed by at least two); each reviewer in a component
  gives the value of their longest span in it (the first by start on a tie); a span without
  the attribute gives no value; text is compared after ``.strip().casefold()``, ``multi``
  values as frozensets.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.agreement import metrics

TOKEN_RE = re.compile(r"\w+|[^\w\s]")


@dataclass
class Span:
    id: int
    document: int
    paragraph: int
    reviewer: str
    start: int
    end: int
    label: str
    attributes: dict[str, Any]


@dataclass
class Data:
    slug: str
    labels: list[str]
    # label -> [(attribute key, attribute type)]
    attributes: dict[str, list[tuple[str, str]]]
    documents: list[tuple[int, str, list[str]]]  # (id, title, paragraphs), by id
    status: dict[tuple[int, str], str] = field(default_factory=dict)  # (doc, name) -> status
    marks: set[tuple[int, int, str]] = field(default_factory=set)  # (doc, paragraph, name)
    spans: list[Span] = field(default_factory=list)  # every stored span, by id
    names: list[str] = field(default_factory=list)  # the report's "reviewers"

    def reviewed(self, name: str, document: int, paragraph: int) -> bool:
        return (document, paragraph, name) in self.marks or \
            self.status.get((document, name)) == "submitted"


def load(app, slug: str, document_ids=None, reviewers=None) -> Data:
    """Read one project from the database, plainly, through the SQLAlchemy models."""
    from annotator.extensions import db
    from annotator.models import (
        Annotation,
        Document,
        DocumentReview,
        Paragraph,
        ParagraphReview,
        Project,
        User,
    )

    with app.app_context():
        project = db.session.execute(
            db.select(Project).where(Project.slug == slug)
        ).scalar_one()
        labels = [item["key"] for item in project.codebook["labels"]]
        attributes = {
            item["key"]: [(a["key"], a["type"]) for a in item.get("attributes", [])]
            for item in project.codebook["labels"]
        }
        users = {u.id: u.username for u in db.session.execute(db.select(User)).scalars()}
        keep_docs = None if document_ids is None else set(document_ids)
        keep_names = None if reviewers is None else {n.lower() for n in reviewers}

        def name_ok(name: str) -> bool:
            return keep_names is None or name.lower() in keep_names

        documents = []
        for doc in db.session.execute(
            db.select(Document).where(Document.project_id == project.id).order_by(Document.id)
        ).scalars():
            if keep_docs is not None and doc.id not in keep_docs:
                continue
            texts = [
                p.text for p in db.session.execute(
                    db.select(Paragraph).where(Paragraph.document_id == doc.id)
                    .order_by(Paragraph.position)
                ).scalars()
            ]
            documents.append((doc.id, doc.title, texts))
        doc_set = {d[0] for d in documents}
        data = Data(slug=slug, labels=labels, attributes=attributes, documents=documents)

        for review in db.session.execute(db.select(DocumentReview)).scalars():
            name = users[review.reviewer_id]
            if review.document_id in doc_set and name_ok(name):
                data.status[(review.document_id, name)] = review.status
        for mark in db.session.execute(db.select(ParagraphReview)).scalars():
            name = users[mark.reviewer_id]
            if mark.document_id in doc_set and name_ok(name):
                data.marks.add((mark.document_id, mark.paragraph_index, name))
        for a in db.session.execute(db.select(Annotation).order_by(Annotation.id)).scalars():
            name = users[a.reviewer_id]
            if a.document_id in doc_set and name_ok(name):
                data.spans.append(Span(a.id, a.document_id, a.paragraph_index, name, a.start,
                                       a.end, a.label, dict(a.attributes or {})))

    names = {n for (_, _, n) in data.marks}
    names |= {s.reviewer for s in data.spans}
    names |= {n for (_, n), status in data.status.items() if status == "submitted"}
    data.names = sorted(names, key=lambda n: (n.lower(), n))
    return data


# --- small helpers ---------------------------------------------------------------------------

def tokens(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def shares_a_character(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return max(a_start, b_start) < min(a_end, b_end)


def alpha_from_rows(rows: list[list[Any]]) -> float | None:
    """Nominal alpha from reviewers x units rows (None = missing)."""
    if not rows or not rows[0]:
        return None
    counts, _ = metrics.counts_from_values(rows)
    return metrics.nominal_alpha_from_counts(counts)


def mean_or_none(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    if not defined:
        return None
    return sum(defined) / len(defined)


def pair_key(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"{first}|{second}"


def attribute_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "text":
        return value.strip().casefold()
    if kind == "multi":
        return frozenset(value)
    return value


# --- the report ------------------------------------------------------------------------------

def reference_report(app, slug: str, document_ids=None, reviewers=None) -> dict:
    data = load(app, slug, document_ids, reviewers)
    return report_from_data(data)


def report_from_data(data: Data) -> dict:
    names = data.names
    texts = {(doc_id, i): t for doc_id, _, ps in data.documents for i, t in enumerate(ps)}

    # Who reviewed which paragraph.
    reviewers_of: dict[tuple[int, int], list[str]] = {}
    for key in texts:
        reviewers_of[key] = [n for n in names if data.reviewed(n, key[0], key[1])]
    multi = [key for key in texts if len(reviewers_of[key]) >= 2]  # reviewed by >= 2

    # The spans that count: their reviewer reviewed their paragraph.
    counted = [s for s in data.spans if data.reviewed(s.reviewer, s.document, s.paragraph)]

    def spans_in(name: str, key: tuple[int, int], label: str | None = None) -> list[Span]:
        return [s for s in counted if s.reviewer == name and (s.document, s.paragraph) == key
                and (label is None or s.label == label)]

    pairs = list(itertools.combinations(names, 2))

    def common(a: str, b: str, document: int | None = None) -> list[tuple[int, int]]:
        return [key for key in texts
                if (document is None or key[0] == document)
                and a in reviewers_of[key] and b in reviewers_of[key]]

    def pair_spans(name: str, keys: list[tuple[int, int]], label: str | None) -> list[Span]:
        keys = set(keys)
        return [s for s in counted if s.reviewer == name and (s.document, s.paragraph) in keys
                and (label is None or s.label == label)]

    def pair_f1_exact(a: str, b: str, keys, label: str | None) -> float | None:
        set_a = {(s.document, s.paragraph, s.label, s.start, s.end)
                 for s in pair_spans(a, keys, label)}
        set_b = {(s.document, s.paragraph, s.label, s.start, s.end)
                 for s in pair_spans(b, keys, label)}
        if not set_a and not set_b:
            return None
        return 2 * len(set_a & set_b) / (len(set_a) + len(set_b))

    def pair_f1_overlap(a: str, b: str, keys, label: str | None) -> float | None:
        spans_a = [((s.document, s.paragraph), s.label, s.start, s.end)
                   for s in pair_spans(a, keys, label)]
        spans_b = [((s.document, s.paragraph), s.label, s.start, s.end)
                   for s in pair_spans(b, keys, label)]
        return metrics.f1_from_overlap_sums(*metrics.overlap_sums(spans_a, spans_b))

    # Token lists of the paragraphs reviewed by at least two reviewers.
    token_units = [(key, t) for key in multi for t in tokens(texts[key])]

    def covers(name: str, key, token, label: str) -> bool:
        return any(shares_a_character(token[0], token[1], s.start, s.end)
                   for s in spans_in(name, key, label))

    # Fleiss: the most common number of reviewers (the larger on a tie).
    m_counts = Counter(len(reviewers_of[key]) for key in multi)
    fleiss_m = max(m_counts, key=lambda m: (m_counts[m], m)) if m_counts else None
    fleiss_units = [key for key in multi if len(reviewers_of[key]) == fleiss_m]

    # Unitizing: the documents with at least two reviewers who submitted them.
    unitizing_docs = []
    for doc_id, _, paragraphs in data.documents:
        raters = [n for n in names if data.status.get((doc_id, n)) == "submitted"]
        if len(raters) < 2:
            continue
        offsets = []
        total = 0
        for p in paragraphs:
            offsets.append(total)
            total += len(p)
        units = [(s.reviewer, offsets[s.paragraph] + s.start, s.end - s.start, s.label)
                 for s in counted if s.document == doc_id and s.reviewer in raters]
        unitizing_docs.append((raters, total, units))

    def unitizing_per_document(label: str) -> list[tuple[float, float, int]]:
        """(D_o, D_e, L) of every document, DKPro's own values."""
        found = []
        for raters, length, units in unitizing_docs:
            o, e = metrics.unitizing_disagreement(0, length, units, raters, label)
            scale = len(raters) * length * length
            found.append((o / scale, e / scale, length))
        return found

    def pooled(per_document) -> float | None:
        observed = sum(length * length * o for o, _, length in per_document)
        expected = sum(length * length * e for _, e, length in per_document)
        return None if expected == 0 else 1 - observed / expected

    def document_mean(per_document) -> float | None:
        alphas = [1 - o / e for o, e, _ in per_document if e > 0]
        return sum(alphas) / len(alphas) if alphas else None

    labels_out = {}
    all_documents = [(0.0, 0.0, length) for _, length, _ in unitizing_docs]
    for label in data.labels:
        def value(name, key, label=label):
            return 1 if spans_in(name, key, label) else 0

        paragraph_rows = [[value(n, key) if n in reviewers_of[key] else None for key in multi]
                          for n in names]
        token_rows = [[(1 if covers(n, key, tok, label) else 0) if n in reviewers_of[key]
                       else None for key, tok in token_units] for n in names]
        per_document = unitizing_per_document(label)
        all_documents = [(o + lo, e + le, length) for (o, e, length), (lo, le, _)
                         in zip(all_documents, per_document, strict=True)]

        cohen = {}
        for a, b in pairs:
            keys = common(a, b)
            values_a = [value(a, key) for key in keys]
            values_b = [value(b, key) for key in keys]
            cohen[pair_key(a, b)] = metrics.cohen_kappa(np.array(values_a, dtype=np.int64),
                                                        np.array(values_b, dtype=np.int64))

        if fleiss_units:
            fleiss_counts = []
            for key in fleiss_units:
                ones = sum(value(n, key) for n in reviewers_of[key])
                fleiss_counts.append([len(reviewers_of[key]) - ones, ones])
            fleiss = metrics.fleiss_kappa(np.array(fleiss_counts, dtype=np.int64))
        else:
            fleiss = None

        alphas, components = attribute_alphas(data, label, multi, reviewers_of, counted, names)
        labels_out[label] = {
            "paragraph_alpha": alpha_from_rows(paragraph_rows),
            "token_alpha": alpha_from_rows(token_rows),
            "unitizing_alpha": pooled(per_document),
            "unitizing_alpha_document_mean": document_mean(per_document),
            "f1_exact": mean_or_none([pair_f1_exact(a, b, common(a, b), label)
                                      for a, b in pairs]),
            "f1_overlap": mean_or_none([pair_f1_overlap(a, b, common(a, b), label)
                                        for a, b in pairs]),
            "fleiss_kappa": fleiss,
            "cohen_kappa": cohen,
            "attributes": alphas,
            "attribute_agreement": attribute_agreement(data, label, components, names),
        }

    # Overall token alpha: the set of labels covering each token.
    overall_rows = []
    for n in names:
        row = []
        for key, tok in token_units:
            if n not in reviewers_of[key]:
                row.append(None)
                continue
            row.append(frozenset(s.label for s in spans_in(n, key)
                                 if shares_a_character(tok[0], tok[1], s.start, s.end)))
        overall_rows.append(row)

    pair_overall = {(a, b): pair_f1_overlap(a, b, common(a, b), None) for a, b in pairs}
    overall = {
        "token_alpha": alpha_from_rows(overall_rows),
        "unitizing_alpha": pooled(all_documents),
        "unitizing_alpha_document_mean": document_mean(all_documents),
        "f1_exact": mean_or_none([pair_f1_exact(a, b, common(a, b), None) for a, b in pairs]),
        "f1_overlap": mean_or_none(list(pair_overall.values())),
    }

    by_disagreement = []
    for doc_id, title, _ in data.documents:
        f1 = mean_or_none([pair_f1_overlap(a, b, common(a, b, doc_id), None)
                           for a, b in pairs])
        if f1 is not None:
            by_disagreement.append({"id": doc_id, "title": title, "f1_overlap": f1})
    by_disagreement.sort(key=lambda d: (d["f1_overlap"], d["id"]))

    detail = {}
    for n in names:
        detail[n] = {
            "spans": sum(1 for s in counted if s.reviewer == n),
            "spans_stored": sum(1 for s in data.spans if s.reviewer == n),
            "paragraphs_reviewed": sum(1 for key in texts if n in reviewers_of[key]),
            "f1_overlap_vs_others": mean_or_none(
                [f1 for (a, b), f1 in pair_overall.items() if n in (a, b)]),
        }

    return {
        "project": data.slug,
        "reviewers": names,
        "documents": len(data.documents),
        "paragraphs": len(multi),
        "labels": labels_out,
        "overall": overall,
        "documents_by_disagreement": by_disagreement,
        "reviewers_detail": detail,
    }


def attribute_alphas(data: Data, label: str, multi, reviewers_of, counted, names) -> dict:
    """Per attribute of the label: nominal alpha over the overlap components."""
    components: list[dict[str, Span]] = []  # per component: reviewer -> chosen span
    for key in multi:
        spans = [s for s in counted if (s.document, s.paragraph) == key and s.label == label
                 and s.reviewer in reviewers_of[key]]
        # Connected components of the overlap graph, by a plain flood fill.
        seen: set[int] = set()
        for i in range(len(spans)):
            if i in seen:
                continue
            group = [i]
            seen.add(i)
            j = 0
            while j < len(group):
                current = spans[group[j]]
                for k in range(len(spans)):
                    if k not in seen and shares_a_character(
                            current.start, current.end, spans[k].start, spans[k].end):
                        seen.add(k)
                        group.append(k)
                j += 1
            chosen: dict[str, Span] = {}
            for index in sorted(group):  # stored order (by id) breaks the last ties
                s = spans[index]
                best = chosen.get(s.reviewer)
                if best is None or (s.end - s.start, -s.start) > (best.end - best.start,
                                                                   -best.start):
                    chosen[s.reviewer] = s
            components.append(chosen)
    out = {}
    for attr_key, kind in data.attributes.get(label, []):
        rows = [[attribute_value(c[n].attributes.get(attr_key), kind) if n in c else None
                 for c in components] for n in names]
        out[attr_key] = alpha_from_rows(rows)
    return out, components


def attribute_agreement(data: Data, label: str, components, names) -> dict:
    """Per attribute: alpha, and the plain counts beside it: units with two values or more,
    their values, the share of ordered value pairs within a unit that match (each unit's
    pairs weighted 1/(m - 1), Krippendorff's observed agreement) and the commonest value's
    share of those values."""
    out = {}
    for attr_key, kind in data.attributes.get(label, []):
        units = []
        for c in components:
            given = [attribute_value(c[n].attributes.get(attr_key), kind) for n in names
                     if n in c]
            given = [v for v in given if v is not None]
            if len(given) >= 2:
                units.append(given)
        rows = [[attribute_value(c[n].attributes.get(attr_key), kind) if n in c else None
                 for c in components] for n in names]
        n = sum(len(u) for u in units)
        agree = sum(sum(1 for i in range(len(u)) for j in range(len(u))
                        if i != j and u[i] == u[j]) / (len(u) - 1) for u in units)
        counts = Counter(v for u in units for v in u)
        any_value = any(v is not None for row in rows for v in row)
        out[attr_key] = {
            "alpha": alpha_from_rows(rows),
            "percent_agreement": agree / n if n else None,
            "units": len(units) if any_value else 0,
            "values": n,
            "top_share": max(counts.values()) / n if n else None,
        }
    return out


# --- comparison ------------------------------------------------------------------------------

def differences(expected: Any, actual: Any, path: str = "report", tol: float = 1e-9,
                ignore: tuple[str, ...] = ("ci",), allow_extra: bool = False) -> list[str]:
    """Every place where two reports differ (numbers to ``tol``; None only equals None).

    Keys named in ``ignore`` are skipped at any depth; with ``allow_extra``, keys that only
    ``actual`` has (figures a report adds to the interface's) are not differences.
    """
    out: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        keys_e = {k for k in expected if k not in ignore}
        keys_a = {k for k in actual if k not in ignore}
        for k in sorted(keys_e - keys_a, key=str):
            out.append(f"{path}.{k}: missing (expected {expected[k]!r})")
        if not allow_extra:
            for k in sorted(keys_a - keys_e, key=str):
                out.append(f"{path}.{k}: unexpected (got {actual[k]!r})")
        for k in sorted(keys_e & keys_a, key=str):
            out.extend(differences(expected[k], actual[k], f"{path}.{k}", tol, ignore,
                                   allow_extra))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out.extend(differences(e, a, f"{path}[{i}]", tol, ignore, allow_extra))
        return out
    if expected is None or actual is None:
        if expected is not actual:
            out.append(f"{path}: expected {expected!r}, got {actual!r}")
        return out
    if isinstance(expected, bool | str):
        if expected != actual or type(expected) is not type(actual):
            out.append(f"{path}: expected {expected!r}, got {actual!r}")
        return out
    if isinstance(expected, int | float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        if isinstance(expected, int) and not isinstance(expected, bool) and \
                isinstance(actual, float) and not float(actual).is_integer():
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        if abs(float(expected) - float(actual)) > tol:
            out.append(f"{path}: expected {expected!r}, got {actual!r}")
        return out
    if expected != actual:
        out.append(f"{path}: expected {expected!r}, got {actual!r}")
    return out
