"""Bringing articles in: plain text, Markdown with front matter, and documents JSONL.

Parsing (``parse_*``) turns files into ``ParsedDocument`` values and checks everything that
can be checked without the database: encoding, JSON, offsets against the text, labels and
attribute values against the codebook. ``import_documents`` then writes a whole batch in one
transaction with bulk inserts. Any fault refuses the whole import and names the file, the line
and the reason; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from .codebook import Codebook, load_codebook
from .errors import ImportFailed, Invalid
from .extensions import db
from .models import (
    Annotation,
    Document,
    DocumentReview,
    GoldSpan,
    Paragraph,
    ParagraphReview,
    Project,
    User,
    utcnow,
)

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
FRONT_MATTER_KEYS = ("title", "source", "url", "published", "external_id")
DOCUMENT_KEYS = {
    "title", "source", "url", "published", "meta", "external_id", "paragraphs", "text",
    "reviews", "gold",
    # Written by our own export; accepted and ignored on the way back in.
    "id", "project",
}
REVIEW_KEYS = {"reviewer", "status", "reviewed_paragraphs", "annotations"}
SPAN_KEYS = {"paragraph", "start", "end", "label", "text", "attributes", "note",
             "id", "client_id", "reviewer", "created_at", "updated_at"}
GOLD_KEYS = SPAN_KEYS | {"provenance"}
BLANK_LINES = re.compile(r"\n(?:[^\S\n]*\n)+")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MAX_TITLE = 500


@dataclass
class ParsedSpan:
    paragraph: int
    start: int
    end: int
    label: str
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    provenance: str | None = None  # gold only


@dataclass
class ParsedReview:
    reviewer: str
    status: str
    reviewed_paragraphs: list[int]
    annotations: list[ParsedSpan]


@dataclass
class ParsedDocument:
    title: str
    paragraphs: list[str]
    origin: str  # "file.jsonl, line 3": where the document came from, for messages
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    reviews: list[ParsedReview] = field(default_factory=list)
    gold: list[ParsedSpan] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return content_hash(self.paragraphs)

    @property
    def span_count(self) -> int:
        return sum(len(r.annotations) for r in self.reviews) + len(self.gold)


@dataclass
class ImportResult:
    documents: list[int] = field(default_factory=list)
    paragraphs: int = 0
    spans: int = 0
    gold: int = 0
    skipped: list[str] = field(default_factory=list)
    created_reviewers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.documents)} document{'s' if len(self.documents) != 1 else ''}",
            f"{self.paragraphs} paragraphs",
            f"{self.spans} spans",
        ]
        if self.gold:
            parts.append(f"{self.gold} gold spans")
        text = "Imported " + ", ".join(parts) + "."
        if self.created_reviewers:
            text += (f" Created reviewer accounts (no password yet): "
                     f"{', '.join(self.created_reviewers)}.")
        if self.skipped:
            text += f" Skipped {len(self.skipped)} already imported: " + "; ".join(self.skipped)
        return text


def content_hash(paragraphs: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in paragraphs:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines (white space only), trimmed, empty ones dropped.

    Line endings are normalised to ``\\n`` first; inner line breaks are kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p for p in (part.strip() for part in BLANK_LINES.split(text)) if p]


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is ignored) or a clear refusal naming the file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{name}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start} cannot be read); save it as UTF-8 and import it again."
        ) from None
    if "\x00" in text:
        raise ImportFailed(f"{name}: the file contains NUL bytes; it looks like a binary file.")
    return text


def _parse_date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ImportFailed(
        f"{where}: published date {json.dumps(value, ensure_ascii=False)} is not a date "
        f"like 2021-07-26."
    )


def _optional_text(value: Any, key: str, where: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportFailed(f"{where}: {key} must be text.")
    value = value.strip()
    if len(value) > limit:
        raise ImportFailed(f"{where}: {key} is longer than {limit} characters.")
    return value or None


def _url(value: Any, where: str) -> str | None:
    url = _optional_text(value, "url", where, 2000)
    if url is not None and not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        raise ImportFailed(f"{where}: url must be an http:// or https:// address (got "
                           f"{json.dumps(url, ensure_ascii=False)[:80]}).")
    return url


def parse_text_file(data: bytes, name: str, first_line_title: bool = False) -> ParsedDocument:
    """A ``.txt`` or ``.md`` article: optional front matter, paragraphs between blank lines."""
    text = decode_text(data, name)
    front: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        except StopIteration:
            raise ImportFailed(
                f"{name}, line 1: the front matter opened with '---' is never closed."
            ) from None
        for number, line in enumerate(lines[1:end], start=2):
            if not line.strip():
                continue
            key, sep, value = line.partition(":")
            if not sep or not key.strip():
                raise ImportFailed(
                    f"{name}, line {number}: front matter lines must read 'key: value'."
                )
            front[key.strip().lower()] = value.strip().strip('"')
        text = "\n".join(lines[end + 1:])
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        raise ImportFailed(f"{name}: the file has no text.")
    title = front.pop("title", None)
    if not title:
        if first_line_title:
            title = paragraphs.pop(0)
            if not paragraphs:
                raise ImportFailed(f"{name}: the file has a title line and no text.")
        else:
            title = Path(name).stem
    where = name
    meta = {k: v for k, v in front.items() if k not in FRONT_MATTER_KEYS}
    return ParsedDocument(
        title=" ".join(title.split())[:MAX_TITLE],
        paragraphs=paragraphs,
        origin=name,
        source=_optional_text(front.get("source"), "source", where, 200),
        url=_url(front.get("url"), where),
        published=_parse_date(front.get("published"), where),
        external_id=_optional_text(front.get("external_id"), "external_id", where, 200),
        meta=meta,
    )


def _int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImportFailed(f"{where}: {key} must be a whole number (got "
                           f"{json.dumps(value, ensure_ascii=False)}).")
    return value


def parse_span(
    item: Any, paragraphs: Sequence[str], codebook: Codebook, where: str, gold: bool = False
) -> ParsedSpan:
    """One span of a JSONL review or gold list, checked against the text and the codebook."""
    if not isinstance(item, dict):
        raise ImportFailed(f"{where}: a span must be an object.")
    unknown = set(item) - (GOLD_KEYS if gold else SPAN_KEYS)
    if unknown:
        raise ImportFailed(f"{where}: unknown span field {sorted(unknown)[0]!r}.")
    for key in ("paragraph", "start", "end", "label"):
        if key not in item:
            raise ImportFailed(f"{where}: the span has no {key}.")
    paragraph = _int(item["paragraph"], "paragraph", where)
    start = _int(item["start"], "start", where)
    end = _int(item["end"], "end", where)
    if not 0 <= paragraph < len(paragraphs):
        raise ImportFailed(
            f"{where}: paragraph {paragraph} does not exist (the document has "
            f"{len(paragraphs)} paragraphs, numbered from 0)."
        )
    text = paragraphs[paragraph]
    if not 0 <= start < end <= len(text):
        raise ImportFailed(
            f"{where}: offsets {start}-{end} are out of range for paragraph {paragraph} "
            f"({len(text)} characters; 0 <= start < end <= length)."
        )
    if "text" in item and item["text"] != text[start:end]:
        raise ImportFailed(
            f"{where}: the span's text {json.dumps(item['text'], ensure_ascii=False)[:80]} does "
            f"not match paragraph {paragraph} at {start}-{end}, which reads "
            f"{json.dumps(text[start:end], ensure_ascii=False)[:80]}."
        )
    try:
        label = codebook.label(item["label"], where).key
        attributes = codebook.clean_attributes(label, item.get("attributes"), where)
    except Invalid as exc:
        raise ImportFailed(exc.message) from None
    note = item.get("note") or ""
    if not isinstance(note, str):
        raise ImportFailed(f"{where}: note must be text.")
    provenance = None
    if gold:
        provenance = item.get("provenance") or "imported"
        if not isinstance(provenance, str) or len(provenance) > 100:
            raise ImportFailed(f"{where}: provenance must be text of at most 100 characters.")
    return ParsedSpan(paragraph, start, end, label, attributes, note, provenance)


def parse_document_object(obj: Any, codebook: Codebook, where: str) -> ParsedDocument:
    """One document of the documents JSONL format (INTERFACE.md)."""
    if not isinstance(obj, dict):
        raise ImportFailed(f"{where}: each line must be a JSON object (a document).")
    unknown = set(obj) - DOCUMENT_KEYS
    if unknown:
        raise ImportFailed(f"{where}: unknown field {sorted(unknown)[0]!r}; a document has "
                           f"{', '.join(sorted(DOCUMENT_KEYS - {'id', 'project'}))}.")
    if "paragraphs" in obj:
        if "text" in obj:
            raise ImportFailed(f"{where}: give either paragraphs or text, not both.")
        paragraphs = obj["paragraphs"]
        if not isinstance(paragraphs, list) or not paragraphs:
            raise ImportFailed(f"{where}: paragraphs must be a non-empty list of strings.")
        for i, p in enumerate(paragraphs):
            if not isinstance(p, str):
                raise ImportFailed(f"{where}: paragraph {i} is not a string.")
            if not p.strip():
                raise ImportFailed(f"{where}: paragraph {i} is empty or white space only.")
            if "\x00" in p:
                raise ImportFailed(f"{where}: paragraph {i} contains a NUL character.")
    elif "text" in obj:
        if not isinstance(obj["text"], str):
            raise ImportFailed(f"{where}: text must be a string.")
        if "\x00" in obj["text"]:
            raise ImportFailed(f"{where}: text contains a NUL character.")
        paragraphs = split_paragraphs(obj["text"])
        if not paragraphs:
            raise ImportFailed(f"{where}: text is empty.")
    else:
        raise ImportFailed(f"{where}: the document has neither paragraphs nor text.")

    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise ImportFailed(f"{where}: title must be text.")
    title = " ".join((title or "").split())
    if not title:
        title = str(obj.get("external_id") or where)
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ImportFailed(f"{where}: meta must be an object.")
    external_id = obj.get("external_id")
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)

    doc = ParsedDocument(
        title=title[:MAX_TITLE],
        paragraphs=list(paragraphs),
        origin=where,
        source=_optional_text(obj.get("source"), "source", where, 200),
        url=_url(obj.get("url"), where),
        published=_parse_date(obj.get("published"), where),
        meta=meta,
        external_id=_optional_text(external_id, "external_id", where, 200),
    )

    reviews = obj.get("reviews") or []
    if not isinstance(reviews, list):
        raise ImportFailed(f"{where}: reviews must be a list.")
    seen_reviewers: set[str] = set()
    for r_index, review in enumerate(reviews):
        r_where = f"{where}, review {r_index + 1}"
        if not isinstance(review, dict):
            raise ImportFailed(f"{r_where}: a review must be an object.")
        unknown = set(review) - REVIEW_KEYS
        if unknown:
            raise ImportFailed(f"{r_where}: unknown review field {sorted(unknown)[0]!r}.")
        name = review.get("reviewer")
        if not isinstance(name, str) or not USERNAME_RE.match(name):
            raise ImportFailed(
                f"{r_where}: reviewer must be a user name of letters, digits, '.', '_', '-' "
                f"or '@' (got {json.dumps(name, ensure_ascii=False)})."
            )
        if name.lower() in seen_reviewers:
            raise ImportFailed(f"{r_where}: reviewer '{name}' has two reviews of this document.")
        seen_reviewers.add(name.lower())
        r_where = f"{where}, reviewer {name}"
        status = review.get("status", "in_progress")
        if status not in ("in_progress", "submitted"):
            raise ImportFailed(f"{r_where}: status must be in_progress or submitted "
                               f"(got {json.dumps(status, ensure_ascii=False)}).")
        reviewed = review.get("reviewed_paragraphs") or []
        if not isinstance(reviewed, list):
            raise ImportFailed(f"{r_where}: reviewed_paragraphs must be a list.")
        for p in reviewed:
            _int(p, "each of reviewed_paragraphs", r_where)
            if not 0 <= p < len(paragraphs):
                raise ImportFailed(f"{r_where}: reviewed paragraph {p} does not exist.")
        if status == "submitted":
            # Submitting a document reviews every paragraph of it.
            reviewed = list(range(len(paragraphs)))
        spans = review.get("annotations") or []
        if not isinstance(spans, list):
            raise ImportFailed(f"{r_where}: annotations must be a list.")
        doc.reviews.append(ParsedReview(
            reviewer=name,
            status=status,
            reviewed_paragraphs=sorted(set(reviewed)),
            annotations=[
                parse_span(s, paragraphs, codebook, f"{r_where}, span {i + 1}")
                for i, s in enumerate(spans)
            ],
        ))
    gold = obj.get("gold") or []
    if not isinstance(gold, list):
        raise ImportFailed(f"{where}: gold must be a list.")
    doc.gold = [
        parse_span(s, paragraphs, codebook, f"{where}, gold span {i + 1}", gold=True)
        for i, s in enumerate(gold)
    ]
    return doc


def parse_jsonl(data: bytes, name: str, codebook: Codebook) -> list[ParsedDocument]:
    text = decode_text(data, name)
    documents = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}, line {number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailed(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno})."
            ) from None
        documents.append(parse_document_object(obj, codebook, where))
    if not documents:
        raise ImportFailed(f"{name}: the file holds no documents.")
    return documents


def parse_file(
    data: bytes, name: str, codebook: Codebook, first_line_title: bool = False
) -> list[ParsedDocument]:
    """Parse one uploaded or named file by its suffix."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [parse_text_file(data, name, first_line_title)]
    if suffix in JSONL_SUFFIXES:
        return parse_jsonl(data, name, codebook)
    raise ImportFailed(
        f"{name}: cannot import a '{suffix or 'file without a suffix'}' file; use .txt, .md "
        f"or .jsonl."
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line; a folder stands for the importable files inside it."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + JSONL_SUFFIXES
            )
            if not found:
                raise ImportFailed(f"{path}: the folder holds no .txt, .md or .jsonl files.")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ImportFailed(f"{path}: no such file or folder.")
    return files


def parse_paths(
    paths: Sequence[Path],
    codebook: Codebook,
    first_line_title: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> list[ParsedDocument]:
    documents: list[ParsedDocument] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFailed(f"{path}: cannot be read ({exc.strerror}).") from None
        documents.extend(parse_file(data, str(path), codebook, first_line_title))
        if progress:
            progress(path)
    return documents


def _chunks(rows: list[dict], size: int = 5000) -> Iterable[list[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def import_documents(
    project: Project,
    documents: Sequence[ParsedDocument],
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write parsed documents into a project in one transaction.

    The same article (same paragraphs, or the same external id) already in the project, or
    twice in the batch, refuses the import, or is skipped with ``skip_existing``. On any error
    the transaction is rolled back and nothing is left behind.
    """
    try:
        result = _import(project, documents, skip_existing, progress)
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def _import(project, documents, skip_existing, progress) -> ImportResult:
    result = ImportResult()
    hashes = [d.content_hash for d in documents]
    external_ids = [d.external_id for d in documents if d.external_id]
    existing_hash: dict[str, tuple[int, str]] = {}
    existing_ext: dict[str, tuple[int, str]] = {}
    for batch in _batched(sorted(set(hashes))):
        for id_, title, h in db.session.execute(
            select(Document.id, Document.title, Document.content_hash)
            .where(Document.project_id == project.id, Document.content_hash.in_(batch))
        ):
            existing_hash[h] = (id_, title)
    for batch in _batched(sorted(set(external_ids))):
        for id_, title, ext in db.session.execute(
            select(Document.id, Document.title, Document.external_id)
            .where(Document.project_id == project.id, Document.external_id.in_(batch))
        ):
            existing_ext[ext] = (id_, title)

    keep: list[tuple[ParsedDocument, str]] = []
    batch_hash: dict[str, str] = {}
    batch_ext: dict[str, str] = {}
    for doc, h in zip(documents, hashes, strict=True):
        clash = None
        if h in existing_hash:
            id_, title = existing_hash[h]
            clash = f"the same article is already in project '{project.slug}' as document " \
                    f"{id_} ({title!r})"
        elif doc.external_id and doc.external_id in existing_ext:
            id_, title = existing_ext[doc.external_id]
            clash = f"external id {doc.external_id!r} is already used in project " \
                    f"'{project.slug}' by document {id_} ({title!r})"
        elif h in batch_hash:
            clash = f"the same article appears earlier in this import ({batch_hash[h]})"
        elif doc.external_id and doc.external_id in batch_ext:
            clash = f"external id {doc.external_id!r} appears earlier in this import " \
                    f"({batch_ext[doc.external_id]})"
        if clash:
            if skip_existing:
                result.skipped.append(f"{doc.origin} ({clash})")
                continue
            raise ImportFailed(
                f"{doc.origin}: {clash}. Nothing was imported"
                + ("." if skip_existing else "; use --skip-existing to skip such documents.")
            )
        batch_hash[h] = doc.origin
        if doc.external_id:
            batch_ext[doc.external_id] = doc.origin
        keep.append((doc, h))

    reviewer_ids = _reviewer_ids(
        {r.reviewer for doc, _ in keep for r in doc.reviews}, result
    )
    if not keep:
        return result

    now = utcnow()
    doc_rows = [
        {
            "project_id": project.id, "title": doc.title, "source": doc.source, "url": doc.url,
            "published": doc.published, "meta": doc.meta, "external_id": doc.external_id,
            "content_hash": h, "paragraph_count": len(doc.paragraphs), "created_at": now,
        }
        for doc, h in keep
    ]
    ids: list[int] = []
    for chunk in _chunks(doc_rows, 1000):
        ids.extend(
            db.session.scalars(
                insert(Document).returning(Document.id, sort_by_parameter_order=True), chunk
            ).all()
        )
    result.documents = ids

    paragraph_rows, review_rows, mark_rows, span_rows, gold_rows = [], [], [], [], []
    for (doc, _), doc_id in zip(keep, ids, strict=True):
        paragraph_rows.extend(
            {"document_id": doc_id, "position": i, "text": t} for i, t in enumerate(doc.paragraphs)
        )
        for review in doc.reviews:
            reviewer_id = reviewer_ids[review.reviewer.lower()]
            review_rows.append({
                "document_id": doc_id, "reviewer_id": reviewer_id, "status": review.status,
                "submitted_at": now if review.status == "submitted" else None,
                "updated_at": now,
            })
            mark_rows.extend(
                {"document_id": doc_id, "paragraph_index": p, "reviewer_id": reviewer_id,
                 "created_at": now}
                for p in review.reviewed_paragraphs
            )
            span_rows.extend(
                {"document_id": doc_id, "paragraph_index": s.paragraph,
                 "reviewer_id": reviewer_id, "start": s.start, "end": s.end, "label": s.label,
                 "attributes": s.attributes, "note": s.note, "created_at": now,
                 "updated_at": now}
                for s in review.annotations
            )
        gold_rows.extend(
            {"document_id": doc_id, "paragraph_index": s.paragraph, "start": s.start,
             "end": s.end, "label": s.label, "attributes": s.attributes, "note": s.note,
             "provenance": s.provenance, "created_at": now}
            for s in doc.gold
        )
    result.paragraphs = len(paragraph_rows)
    result.spans = len(span_rows)
    result.gold = len(gold_rows)
    total = len(paragraph_rows) + len(review_rows) + len(mark_rows) + len(span_rows) \
        + len(gold_rows)
    done = 0
    for model, rows in ((Paragraph, paragraph_rows), (DocumentReview, review_rows),
                        (ParagraphReview, mark_rows), (Annotation, span_rows),
                        (GoldSpan, gold_rows)):
        for chunk in _chunks(rows):
            db.session.execute(insert(model), chunk)
            done += len(chunk)
            if progress:
                progress(done * 100 // max(total, 1))
    return result


def _batched(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _reviewer_ids(names: set[str], result: ImportResult) -> dict[str, int]:
    """Ids of the named reviewers (case-insensitive); missing ones are created, no password."""
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    ids: dict[str, int] = {}
    for batch in _batched(sorted(by_lower)):
        for id_, lower in db.session.execute(
            select(User.id, func.lower(User.username)).where(func.lower(User.username).in_(batch))
        ):
            ids[lower] = id_
    for lower, name in by_lower.items():
        if lower not in ids:
            user = User(username=name, role="reviewer", password_hash=None)
            db.session.add(user)
            db.session.flush()
            ids[lower] = user.id
            result.created_reviewers.append(name)
    return ids


def import_paths(
    project: Project,
    paths: Sequence[str | Path],
    first_line_title: bool = False,
    skip_existing: bool = False,
) -> ImportResult:
    """Parse and import files (no progress display): the programmatic entry point."""
    codebook = load_codebook(project.codebook)
    documents = parse_paths(expand_paths(paths), codebook, first_line_title)
    return import_documents(project, documents, skip_existing=skip_existing)
