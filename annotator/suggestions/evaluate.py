"""Suggestions measured against reference spans (gold, or one reviewer's), by token coverage.

INTERFACE.md, "Suggestions": at a coverage θ (30 % and 80 %), a suggestion is **correct**
when at least θ of its tokens lie in one reference span of its label; a reference span is
**found** when at least θ of its tokens lie in suggestions of its label. Tokens are the
app's (``annotator/tokens.py``). Precision = correct / suggestions, recall = found /
reference spans, per label and per rule (a rule's recall counts the reference spans of its
label that its suggestions alone find). Only the paragraphs in scope count: those the
reviewer reviewed, or every paragraph of a document with gold.

Plain data in, plain data out: the command line, the project page and the benchmark share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..tokens import token_range, tokens

THRESHOLDS = (0.3, 0.8)


@dataclass
class Item:
    """One document's part of an evaluation: its paragraphs, the paragraphs in scope, the
    suggestions ``(paragraph, start, end, label, rule)`` and the reference spans
    ``(paragraph, start, end, label)``."""

    texts: Sequence[str]
    scope: Iterable[int]
    suggestions: list[tuple[int, int, int, str, str]]
    reference: list[tuple[int, int, int, str]]


@dataclass
class Counts:
    suggested: int = 0
    correct: int = 0
    reference: int = 0
    found: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.found / self.reference if self.reference else None

    def as_dict(self) -> dict:
        return {"suggested": self.suggested, "correct": self.correct,
                "reference": self.reference, "found": self.found,
                "precision": _round(self.precision), "recall": _round(self.recall)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Evaluation:
    """Per threshold: counts per label and per rule (a rule's ``label`` is that of its
    suggestions)."""

    labels: dict[float, dict[str, Counts]] = field(default_factory=dict)
    rules: dict[float, dict[str, Counts]] = field(default_factory=dict)
    rule_labels: dict[str, str] = field(default_factory=dict)
    documents: int = 0
    paragraphs: int = 0

    def as_dict(self) -> dict:
        return {
            "documents": self.documents, "paragraphs": self.paragraphs,
            "thresholds": [
                {"coverage": t,
                 "labels": {k: c.as_dict() for k, c in self.labels[t].items()},
                 "rules": {k: {"label": self.rule_labels[k], **c.as_dict()}
                           for k, c in self.rules[t].items()}}
                for t in self.labels],
        }


def _token_sets(text: str, spans: Iterable[tuple[int, int]]) -> list[set[int]]:
    found = tokens(text)
    starts = [s for s, _ in found]
    ends = [e for _, e in found]
    out = []
    for start, end in spans:
        first, last = token_range(starts, ends, start, end)
        out.append(set(range(first, last)))
    return out


def evaluate(items: Iterable[Item], labels: Sequence[str] | None = None,
             thresholds: Sequence[float] = THRESHOLDS) -> Evaluation:
    """Precision and recall of the suggestions against the reference, per label and rule
    (``labels``: the labels to report, in order; by default every label either side has)."""
    result = Evaluation()
    for t in thresholds:
        result.labels[t] = {}
        result.rules[t] = {}
    seen_labels: list[str] = list(labels or [])
    for item in items:
        scope = set(item.scope)
        result.documents += 1
        result.paragraphs += len(scope)
        by_paragraph: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        for p, s, e, label, rule in item.suggestions:
            if p in scope:
                by_paragraph[p][0].append((s, e, label, rule))
                result.rule_labels.setdefault(rule, label)
        for p, s, e, label in item.reference:
            if p in scope:
                by_paragraph[p][1].append((s, e, label))
        for p, (suggested, reference) in by_paragraph.items():
            text = item.texts[p]
            s_tokens = _token_sets(text, [(s, e) for s, e, _, _ in suggested])
            r_tokens = _token_sets(text, [(s, e) for s, e, _ in reference])
            for label in {x[2] for x in suggested} | {x[2] for x in reference}:
                if label not in seen_labels and labels is None:
                    seen_labels.append(label)
                mine = [(toks, x[3]) for toks, x in zip(s_tokens, suggested, strict=True)
                        if x[2] == label]
                theirs = [toks for toks, x in zip(r_tokens, reference, strict=True)
                          if x[2] == label]
                rules = sorted({rule for _, rule in mine})
                union_all = set().union(*(toks for toks, _ in mine)) if mine else set()
                union_by_rule = {rule: set().union(*(toks for toks, r in mine if r == rule))
                                 for rule in rules}
                for t in thresholds:
                    counts = result.labels[t].setdefault(label, Counts())
                    for toks, rule in mine:
                        rule_counts = result.rules[t].setdefault(rule, Counts())
                        good = _covered(toks, theirs, t)
                        counts.suggested += 1
                        counts.correct += good
                        rule_counts.suggested += 1
                        rule_counts.correct += good
                    for toks in theirs:
                        counts.reference += 1
                        counts.found += _share(toks, union_all) >= t
                    for rule in rules:
                        rule_counts = result.rules[t][rule]
                        for toks in theirs:
                            rule_counts.found += _share(toks, union_by_rule[rule]) >= t
    for t in thresholds:
        # every rule's recall is out of the reference spans of its label
        for rule, counts in result.rules[t].items():
            counts.reference = result.labels[t].get(result.rule_labels[rule], Counts()).reference
        ordered = {k: result.labels[t].get(k, Counts()) for k in seen_labels}
        result.labels[t] = ordered
    return result


def _share(toks: set[int], covering: set[int]) -> float:
    return len(toks & covering) / len(toks) if toks else 0.0


def _covered(toks: set[int], references: list[set[int]], threshold: float) -> bool:
    return bool(toks) and any(len(toks & ref) / len(toks) >= threshold for ref in references)


def format_table(evaluation: Evaluation, title: str = "") -> str:
    """The evaluation as a text table: per coverage, a row per label, then per rule."""
    lines = []
    if title:
        lines.append(title)
    lines.append(f"{evaluation.documents} document(s), {evaluation.paragraphs} paragraph(s) "
                 f"in scope")
    head = (f"{'':36} {'suggested':>9} {'correct':>8} {'precision':>9} {'reference':>9} "
            f"{'found':>6} {'recall':>7}")
    for t, by_label in evaluation.labels.items():
        lines.append("")
        lines.append(f"token coverage {round(t * 100)} %")
        lines.append(head)
        for label, counts in by_label.items():
            lines.append(_row(label, counts))
        if evaluation.rules[t]:
            lines.append("  by rule")
            for rule, counts in sorted(evaluation.rules[t].items()):
                lines.append(_row(f"  {rule} ({evaluation.rule_labels[rule]})", counts))
    return "\n".join(lines)


def _row(name: str, counts: Counts) -> str:
    def fmt(value):
        return "—" if value is None else f"{value:.2f}"
    if len(name) > 36:
        name = name[:35] + "…"
    return (f"{name:36} {counts.suggested:>9} {counts.correct:>8} {fmt(counts.precision):>9} "
            f"{counts.reference:>9} {counts.found:>6} {fmt(counts.recall):>7}")
