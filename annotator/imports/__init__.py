"""Bringing articles in: plain text, Markdown with front matter, documents JSONL, and labelled
data from other tools: doccano JSONL (one reviewer per file) and brat folders or zips.

Parsing (``parse_*``) turns files into ``ParsedDocument`` values and checks everything that
can be checked without the database: encoding, JSON, offsets against the text, labels and
attribute values against the codebook. ``import_documents`` then writes a whole batch in one
transaction with bulk inserts (``database.bulk_insert``: COPY on PostgreSQL). Large imports
stream: ``iter_documents`` reads JSONL files line by line and ``import_stream`` checks and
writes the documents a chunk at a time as they come, still in one transaction, so memory holds
one chunk. Any fault refuses the whole import and names the file, the line and the reason;
nothing is written.

doccano and brat count offsets into a whole text; ``ParagraphMap`` splits that text into
paragraphs exactly as plain text is split and maps a document-level span onto
(paragraph, start, end), refusing spans that cross paragraphs or lie between them.
Labelled data for an article already in the project adds its reviews to that document (see
``import_documents``): that is how one doccano file per reviewer comes together.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, insert, select, update

from ..codebook import Codebook, load_codebook
from ..database import bulk_insert, driver_value, gc_paused, refresh_statistics
from ..errors import ImportFailed, Invalid
from ..extensions import db
from ..models import (
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
from .jsonl import JSONL_SUFFIXES, iter_jsonl, parse_document_object, parse_jsonl
from .paragraphs import ParagraphMap, SpanOutside, content_hash, locate_span, split_paragraphs
from .parsed import (
    GOLD,
    MAX_TITLE,
    USERNAME_RE,
    ParsedDocument,
    ParsedReview,
    ParsedSpan,
    parse_span,
)
from .text import TEXT_SUFFIXES, decode_text, parse_text_file

# What the rest of the app calls (the CLI, the admin import page, the demo, tests, benchmarks).
__all__ = [
    "ImportResult",
    "ParagraphMap",
    "ParsedDocument",
    "SpanOutside",
    "content_hash",
    "expand_paths",
    "import_documents",
    "import_paths",
    "import_stream",
    "iter_documents",
    "iter_jsonl",
    "parse_document_object",
    "parse_file",
    "parse_jsonl",
    "parse_paths",
    "parse_text_file",
    "split_paragraphs",
]

ZIP_SUFFIXES = (".zip",)


@dataclass
class ImportResult:
    documents: list[int] = field(default_factory=list)
    paragraphs: int = 0
    spans: int = 0
    gold: int = 0
    skipped: list[str] = field(default_factory=list)
    created_reviewers: list[str] = field(default_factory=list)
    # Documents already in the project that received reviews (or gold) from this import.
    updated_documents: list[int] = field(default_factory=list)
    added_reviews: int = 0
    added_gold: int = 0  # documents already in the project that received gold

    def summary(self) -> str:
        parts = [
            f"{len(self.documents)} document{'s' if len(self.documents) != 1 else ''}",
            f"{self.paragraphs} paragraphs",
            f"{self.spans} spans",
        ]
        if self.gold:
            parts.append(f"{self.gold} gold spans")
        text = "Imported " + ", ".join(parts) + "."
        if self.updated_documents:
            n = len(self.updated_documents)
            added = []
            if self.added_reviews:
                added.append(f"{self.added_reviews} review"
                             f"{'s' if self.added_reviews != 1 else ''}")
            if self.added_gold:
                added.append("gold spans")
            text += (f" Added {' and '.join(added)} to {n} document{'s' if n != 1 else ''} "
                     f"already in the project (id {', '.join(map(str, self.updated_documents))}).")
        if self.created_reviewers:
            text += (f" Created reviewer accounts (no password yet): "
                     f"{', '.join(self.created_reviewers)}.")
        if self.skipped:
            text += f" Skipped {len(self.skipped)} already imported: " + "; ".join(self.skipped)
        return text


# --- labelled data from other tools: doccano JSONL, brat -------------------------------------

MAX_ARCHIVE_TEXT = 512 * 1024 * 1024  # bytes of .txt and .ann read from one zip


def _natural(name: str) -> tuple:
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def brat_layout(path: Path) -> bool:
    """Whether a folder is a brat folder: .ann files in its subfolders (one per reviewer).

    False for a folder without any .ann file (plain articles); a folder with .ann files
    elsewhere (at the top, or deeper down) is refused, naming one of them.
    """
    annotations = sorted(
        p for p in path.rglob("*.[aA][nN][nN]")
        if p.is_file() and not any(_hidden(part) for part in p.relative_to(path).parts)
    )
    if not annotations:
        return False
    misplaced = [p for p in annotations if p.parent.parent != path]
    if misplaced:
        raise ImportFailed(
            f"{misplaced[0]}: brat annotations must be in a brat folder's reviewer subfolders "
            f"(FOLDER/REVIEWER/DOCID.ann and DOCID.txt, gold/ for gold spans); name that "
            f"FOLDER to import them."
        )
    return True


def parse_brat_folder(path: Path, codebook: Codebook) -> list[ParsedDocument]:
    """A brat folder: REVIEWER/DOCID.txt and REVIEWER/DOCID.ann (and gold/)."""
    files: dict[str, bytes] = {}
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not _hidden(p.name)):
        for item in sorted(folder.iterdir()):
            if item.is_file() and item.suffix.lower() in (".txt", ".ann") \
                    and not _hidden(item.name):
                try:
                    files[f"{folder.name}/{item.name}"] = item.read_bytes()
                except OSError as exc:
                    raise ImportFailed(f"{item}: cannot be read ({exc.strerror}).") from None
    return parse_brat_files(files, str(path), codebook)


def parse_brat_zip(data: bytes, name: str, codebook: Codebook) -> list[ParsedDocument]:
    """A zip of a brat folder (what ``export --format brat`` writes), optionally with the
    folder itself at the top of the zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            (info, PurePosixPath(info.filename)) for info in archive.infolist()
            if not info.is_dir()
            and not any(_hidden(part) for part in PurePosixPath(info.filename).parts)
        ]
    except (zipfile.BadZipFile, OSError):
        raise ImportFailed(f"{name}: not a zip file, or a damaged one.") from None
    annotations = [p for _, p in members if p.suffix.lower() == ".ann"]
    if not annotations:
        raise ImportFailed(f"{name}: the zip holds no brat annotations (REVIEWER/DOCID.ann "
                           f"and DOCID.txt, one folder per reviewer).")
    depths = {len(p.parts) for p in annotations}
    if depths == {2}:
        prefix: tuple[str, ...] = ()
    elif depths == {3} and len({p.parts[0] for p in annotations}) == 1:
        prefix = annotations[0].parts[:1]  # the zip of a folder: FOLDER/REVIEWER/DOCID.ann
    else:
        odd = next(p for p in annotations if len(p.parts) != min(depths)) \
            if len(depths) > 1 else annotations[0]
        raise ImportFailed(f"{name}/{odd}: brat annotations must be in REVIEWER/DOCID.ann, "
                           f"one folder per reviewer (gold/ for gold spans).")
    files: dict[str, bytes] = {}
    total = 0
    for info, path in members:
        rel = path.parts[len(prefix):]
        if path.parts[:len(prefix)] != prefix or len(rel) != 2 \
                or path.suffix.lower() not in (".txt", ".ann"):
            continue
        total += info.file_size
        if total > MAX_ARCHIVE_TEXT:
            raise ImportFailed(f"{name}: the zip holds more than "
                               f"{MAX_ARCHIVE_TEXT // 2**20} MB of text; import it in parts.")
        try:
            files["/".join(rel)] = archive.read(info)
        except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
            raise ImportFailed(f"{name}/{path}: cannot be read from the zip ({exc}).") from None
    base = "/".join([name, *prefix])
    return parse_brat_files(files, base, codebook)


def parse_brat_files(files: Mapping[str, bytes], base: str,
                     codebook: Codebook) -> list[ParsedDocument]:
    """brat documents from ``{"REVIEWER/DOCID.txt": bytes, "REVIEWER/DOCID.ann": bytes}``.

    One document per DOCID: its text must be the same in every reviewer folder. A folder's
    name is the reviewer's name, except ``gold/``, whose spans become gold (provenance
    "imported"). A brat folder has no review status: every review is "submitted". The title
    is the DOCID. Messages name files as ``BASE/REVIEWER/DOCID.ann``.
    """
    groups: dict[str, dict[str, dict[str, bytes]]] = {}
    folders: dict[str, str] = {}
    for rel, data in files.items():
        folder, _, filename = rel.partition("/")
        stem, suffix = PurePosixPath(filename).stem, PurePosixPath(filename).suffix.lower()
        if folder.lower() != GOLD:
            if not USERNAME_RE.match(folder):
                raise ImportFailed(
                    f"{base}/{folder}: a reviewer folder's name is the reviewer's user name: "
                    f"letters, digits, '.', '_', '-' or '@', starting with a letter or digit."
                )
            other = folders.setdefault(folder.lower(), folder)
            if other != folder:
                raise ImportFailed(f"{base}/{folder} and {base}/{other}: two folders for one "
                                   f"reviewer (names are compared without case).")
        groups.setdefault(stem, {}).setdefault(folder, {})[suffix] = data
    if not groups:
        raise ImportFailed(f"{base}: the brat folder holds no documents (REVIEWER/DOCID.txt "
                           f"and DOCID.ann).")
    documents = []
    for docid in sorted(groups, key=_natural):
        by_folder = groups[docid]
        pmap: ParagraphMap | None = None
        first = ""
        reviews: list[ParsedReview] = []
        gold: list[ParsedSpan] = []
        for folder in sorted(by_folder, key=lambda f: (f.lower() == GOLD, f.lower())):
            pair = by_folder[folder]
            txt_name, ann_name = f"{base}/{folder}/{docid}.txt", f"{base}/{folder}/{docid}.ann"
            if ".txt" not in pair:
                raise ImportFailed(f"{ann_name}: there is no {docid}.txt beside it (brat keeps "
                                   f"the text of DOCID.ann in DOCID.txt).")
            if ".ann" not in pair:
                raise ImportFailed(f"{txt_name}: there is no {docid}.ann beside it (an empty "
                                   f".ann file stands for a text without spans).")
            text = decode_text(pair[".txt"], txt_name)
            if pmap is None:
                pmap, first = ParagraphMap.of(text), txt_name
                if not pmap.paragraphs:
                    raise ImportFailed(f"{txt_name}: the file has no text.")
            elif text != pmap.text:
                at = next((i for i, (a, b) in enumerate(zip(text, pmap.text, strict=False))
                           if a != b), min(len(text), len(pmap.text)))
                raise ImportFailed(
                    f"{txt_name}: the text differs from {first} (first at offset {at}); every "
                    f"folder must hold the same text for document {docid}."
                )
            is_gold = folder.lower() == GOLD
            spans = parse_brat_ann(pair[".ann"], ann_name, pmap, codebook, gold=is_gold)
            if is_gold:
                gold = spans
            else:
                reviews.append(ParsedReview(folder, "submitted",
                                            list(range(len(pmap.paragraphs))), spans))
        assert pmap is not None
        documents.append(ParsedDocument(
            title=docid[:MAX_TITLE], paragraphs=pmap.paragraphs,
            origin=f"{base}, document {docid}", reviews=reviews, gold=gold,
        ))
    return documents


@dataclass
class _BratEntity:
    ident: str
    where: str
    label: str
    start: int
    end: int
    fragment: str | None  # the T line's text column, when present
    attributes: list[tuple[str, str, str | None]] = field(default_factory=list)
    note: tuple[str, str] | None = None  # (where, text)


BRAT_UNSUPPORTED = {"R": "a relation", "E": "an event", "N": "a normalisation",
                    "*": "an equivalence"}


def parse_brat_ann(data: bytes, name: str, pmap: ParagraphMap, codebook: Codebook,
                   gold: bool = False) -> list[ParsedSpan]:
    """The spans of one brat standoff file, checked against the text and the codebook.

    ``T`` lines give the spans (``T1<TAB>label START END<TAB>text``; the text column, when
    present, must be the text at the offsets with newlines shown as spaces); ``A`` (or the
    older ``M``) lines give attributes: ``A1<TAB>key T1 value`` for a choice (``_`` may stand
    for a space of the choice), ``A2<TAB>key T1`` for a true boolean; an ``AnnotatorNotes``
    comment is the note, or, when it is our export's JSON ``{"note": ..., "attributes":
    {...}}``, the note and the other attributes. Discontinuous spans, relations, events and
    normalisations are refused: the annotator has no place for them.
    """
    text = decode_text(data, name)
    entities: dict[str, _BratEntity] = {}
    attributes: list[tuple[str, str, str, str, str | None]] = []
    notes: list[tuple[str, str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{name}, line {number}"
        ident, tab, rest = line.partition("\t")
        kind = ident[:1]
        if not tab or not ident:
            raise ImportFailed(f"{where}: not a brat standoff line (an id such as T1, a tab, "
                               f"then the annotation).")
        if kind == "T":
            has_text = "\t" in rest
            body, _, fragment = rest.partition("\t")
            label, _, offsets = body.strip().partition(" ")
            if ";" in offsets:
                raise ImportFailed(
                    f"{where}: {ident} is a discontinuous span ({label} {offsets}); the "
                    f"annotator keeps spans of one stretch of text only: split it into "
                    f"separate spans."
                )
            bounds = offsets.split()
            if len(bounds) != 2 or not all(b.isdigit() for b in bounds):
                raise ImportFailed(f"{where}: {ident} must read 'label START END' with two "
                                   f"whole numbers (got {json.dumps(body, ensure_ascii=False)}).")
            if ident in entities:
                raise ImportFailed(f"{where}: {ident} is used twice in the file.")
            entities[ident] = _BratEntity(ident, where, label, int(bounds[0]), int(bounds[1]),
                                          fragment if has_text else None)
        elif kind in ("A", "M"):
            parts = rest.strip().split(" ")
            if len(parts) < 2:
                raise ImportFailed(f"{where}: an attribute line must read 'KEY T1' or "
                                   f"'KEY T1 VALUE'.")
            attributes.append((where, ident, parts[0], parts[1], " ".join(parts[2:]) or None))
        elif kind == "#":
            kind_target, _, note = rest.partition("\t")
            parts = kind_target.split()
            if len(parts) != 2 or parts[0] != "AnnotatorNotes":
                raise ImportFailed(f"{where}: only 'AnnotatorNotes T1' comments can be "
                                   f"imported.")
            notes.append((where, parts[1], note))
        elif kind in BRAT_UNSUPPORTED:
            raise ImportFailed(
                f"{where}: {ident} is {BRAT_UNSUPPORTED[kind]}, which cannot be imported (the "
                f"annotator keeps spans and their attributes only)."
            )
        else:
            raise ImportFailed(f"{where}: unknown brat annotation {ident!r} (T, A, M and "
                               f"#AnnotatorNotes lines can be imported).")
    for where, _, key, target, value in attributes:
        if target not in entities:
            raise ImportFailed(f"{where}: attribute '{key}' refers to {target}, which is not a "
                               f"T line of this file.")
        entities[target].attributes.append((where, key, value))
    for where, target, note in notes:
        if target not in entities:
            raise ImportFailed(f"{where}: the note refers to {target}, which is not a T line of "
                               f"this file.")
        if entities[target].note is not None:
            raise ImportFailed(f"{where}: {target} has a second note (one AnnotatorNotes per "
                               f"span).")
        entities[target].note = (where, note)
    return [_brat_span(entity, pmap, codebook, gold) for entity in entities.values()]


def _brat_span(entity: _BratEntity, pmap: ParagraphMap, codebook: Codebook,
               gold: bool) -> ParsedSpan:
    where, start, end = entity.where, entity.start, entity.end
    try:
        pmap.check_range(start, end)
        actual = pmap.fragment(start, end)
    except SpanOutside as exc:
        raise ImportFailed(f"{where}: {entity.ident} ({entity.label} {start}-{end}) "
                           f"{exc.reason}.") from None
    if entity.fragment is not None:
        raw = pmap.text[start:end]
        shown = actual.replace("\n", " ")
        if entity.fragment not in (shown, raw.replace("\r", " ").replace("\n", " ")):
            raise ImportFailed(
                f"{where}: {entity.ident}'s text "
                f"{json.dumps(entity.fragment, ensure_ascii=False)[:80]} does not match the "
                f"text at {start}-{end}, which reads {json.dumps(shown, ensure_ascii=False)[:80]}"
                f" (newlines shown as spaces)."
            )
    paragraph, p_start, p_end = locate_span(pmap, start, end, entity.label, where, entity.ident)
    try:
        label = codebook.label(entity.label, where)
        values: dict[str, Any] = {}
        for a_where, key, value in entity.attributes:
            attribute = label.attributes.get(key)
            if attribute is not None and attribute.type in ("choice", "multi") \
                    and value is not None and value not in attribute.choices \
                    and value.replace("_", " ") in attribute.choices:
                value = value.replace("_", " ")  # annotation.conf cannot hold spaces
            given: Any = True if value is None else value
            if attribute is not None and attribute.type == "multi":
                codebook.clean_attributes(label.key, {key: [given]}, a_where)
                values.setdefault(key, []).append(given)
                continue
            if key in values:
                raise ImportFailed(f"{a_where}: {entity.ident} has attribute '{key}' twice.")
            values[key] = codebook.clean_attributes(label.key, {key: given}, a_where).get(key)
        note = ""
        if entity.note is not None:
            n_where, note = entity.note
            extra = _our_note(note)
            if extra is not None:
                note, more = extra
                twice = sorted(set(more) & set(values))
                if twice:
                    raise ImportFailed(f"{n_where}: attribute '{twice[0]}' of {entity.ident} "
                                       f"is given both by an attribute line and in the note.")
                values.update(codebook.clean_attributes(label.key, more, n_where))
    except Invalid as exc:
        raise ImportFailed(exc.message) from None
    return parse_span(
        {"paragraph": paragraph, "start": p_start, "end": p_end, "label": label.key,
         "attributes": values, "note": note},
        pmap.paragraphs, codebook, where, gold=gold,
    )


def _our_note(note: str) -> tuple[str, dict[str, Any]] | None:
    """(note, attributes) when a brat note is the JSON our export writes, else None."""
    if not note.startswith("{"):
        return None
    try:
        payload = json.loads(note)
    except json.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("note"), str) \
            or not set(payload) <= {"note", "attributes"} \
            or not isinstance(payload.get("attributes", {}), dict):
        return None
    return payload["note"], payload.get("attributes", {})


def parse_file(
    data: bytes, name: str, codebook: Codebook, first_line_title: bool = False,
    reviewer: str | None = None,
) -> list[ParsedDocument]:
    """Parse one uploaded or named file by its suffix: ``.txt``/``.md``, ``.jsonl`` (documents,
    or doccano with ``reviewer``) or ``.zip`` (a brat folder)."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [parse_text_file(data, name, first_line_title)]
    if suffix in JSONL_SUFFIXES:
        return parse_jsonl(data, name, codebook, reviewer)
    if suffix in ZIP_SUFFIXES:
        return parse_brat_zip(data, name, codebook)
    if suffix == ".ann":
        raise ImportFailed(
            f"{name}: a brat .ann file cannot come in alone; import the brat folder that holds "
            f"one subfolder per reviewer (REVIEWER/DOCID.txt and DOCID.ann), or its .zip."
        )
    raise ImportFailed(
        f"{name}: cannot import a '{suffix or 'file without a suffix'}' file; use .txt, .md, "
        f".jsonl or a brat .zip."
    )


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named on the command line; a folder stands for the importable files inside it,
    except a brat folder (``brat_layout``), which stands for itself: ``parse_paths`` reads it
    as one."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and brat_layout(path):
            files.append(path)
        elif path.is_dir():
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


def iter_documents(
    paths: Iterable[Path],
    codebook: Codebook,
    first_line_title: bool = False,
    progress: Callable[[Path], None] | None = None,
    reviewer: str | None = None,
) -> Iterator[ParsedDocument]:
    """The documents of the files ``expand_paths`` gives, one at a time (``parse_paths``
    without holding them all): JSONL files are read line by line; ``progress`` is called
    after each file."""
    for path in paths:
        if path.is_dir():
            yield from parse_brat_folder(path, codebook)
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from iter_jsonl(_file_lines(path), str(path), codebook, reviewer)
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ImportFailed(f"{path}: cannot be read ({exc.strerror}).") from None
            yield from parse_file(data, str(path), codebook, first_line_title, reviewer)
        if progress:
            progress(path)


def _file_lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as stream:
            yield from stream
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot be read ({exc.strerror}).") from None


def parse_paths(
    paths: Sequence[Path],
    codebook: Codebook,
    first_line_title: bool = False,
    progress: Callable[[Path], None] | None = None,
    reviewer: str | None = None,
) -> list[ParsedDocument]:
    """Parse the files ``expand_paths`` gives (a folder among them is a brat folder);
    ``reviewer`` names the reviewer of doccano files."""
    with gc_paused():
        return list(iter_documents(paths, codebook, first_line_title, progress, reviewer))


# An import is checked and written a chunk at a time (in one transaction): up to so many
# documents, or fewer when they hold so many paragraphs and spans, which bounds the memory.
CHUNK_DOCUMENTS = 500
CHUNK_ROWS = 10_000


def import_documents(
    project: Project,
    documents: Sequence[ParsedDocument],
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write parsed documents into a project in one transaction; ``progress`` gets the percent
    of the documents written so far.

    The same article (same paragraphs, or the same external id) already in the project, or
    twice in the batch, refuses the import, or is skipped with ``skip_existing``. On any error
    the transaction is rolled back and nothing is left behind.

    Labelled data for an article that is already there is the exception: a parsed document
    that brings reviews or gold, and whose paragraphs are those of a document already in the
    project (or of one earlier in this import), adds its reviews and gold to that document
    instead of making a new one, provided that none of its reviewers has a review of it yet
    and that it brings no gold to a document that has gold. A reviewer has a review of a
    document when their status there is not "not_started" or they have a span or a reviewed
    paragraph in it; an assignment not started yet is taken over. Otherwise the import is
    refused naming the document and the reviewer (or the document is skipped with
    ``skip_existing``). The document keeps its title and other fields; the incoming ones are
    not used. That is how one doccano file per reviewer comes together into one document.
    Documents without reviews or gold keep the duplicate rule above.
    """
    total = len(documents)
    percent = None if progress is None else (lambda done: progress(done * 100 // total))
    return import_stream(project, documents, skip_existing, percent)


def import_stream(
    project: Project,
    documents: Iterable[ParsedDocument],
    skip_existing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """``import_documents`` for documents that come one at a time (``iter_documents``): they
    are checked and written a chunk at a time (``CHUNK_DOCUMENTS``, ``CHUNK_ROWS``), so that
    memory holds one chunk, all in one transaction: an error anywhere, in the documents or
    while reading them, rolls back everything. ``progress`` gets the number of documents
    handled so far, after each chunk."""
    try:
        with gc_paused():
            batch = _Import(project, skip_existing)
            done = 0
            for chunk in _chunks(documents):
                batch.add(chunk)
                done += len(chunk)
                if progress:
                    progress(done)
            result = batch.finish()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    # the import is in: planner statistics for what it added (PostgreSQL, large imports)
    refresh_statistics(len(result.documents) + result.paragraphs + result.spans + result.gold)
    return result


def _chunks(documents: Iterable[ParsedDocument]) -> Iterator[list[ParsedDocument]]:
    chunk: list[ParsedDocument] = []
    rows = 0
    for doc in documents:
        chunk.append(doc)
        rows += len(doc.paragraphs) + doc.span_count
        if len(chunk) == CHUNK_DOCUMENTS or rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


@dataclass
class _Target:
    """Where an article of an import lives: a document already in the project, or a new one of
    this import (``new``; its ``document_id`` is known once it is written)."""

    label: str  # for messages: "document 3 ('Title')" or where it came from
    document_id: int | None = None
    new: bool = False
    # Reviewers (lower-case) who have a review of it -> where that review came from (None:
    # already in the project).
    reviewers: dict[str, str | None] = field(default_factory=dict)
    has_gold: bool = False
    gold_origin: str | None = None
    waiting: set[str] = field(default_factory=set)  # assigned, not started, nothing done
    work_known: bool = False  # reviewers, waiting and has_gold read (documents already there)


def _existing_work(
    document_ids: list[int],
) -> tuple[dict[int, set[str]], dict[int, set[str]], set[int]]:
    """Per document: the reviewers (lower-case) who have a review of it, those with only an
    assignment not started yet, and whether it has gold."""
    reviewed: dict[int, set[str]] = {i: set() for i in document_ids}
    waiting: dict[int, set[str]] = {i: set() for i in document_ids}
    gold: set[int] = set()
    for batch in _batched(document_ids):
        for doc_id, name, status in db.session.execute(
            select(DocumentReview.document_id, func.lower(User.username), DocumentReview.status)
            .join(User, User.id == DocumentReview.reviewer_id)
            .where(DocumentReview.document_id.in_(batch))
        ):
            (waiting if status == "not_started" else reviewed)[doc_id].add(name)
        for model in (Annotation, ParagraphReview):
            for doc_id, name in db.session.execute(
                select(model.document_id, func.lower(User.username)).distinct()
                .join(User, User.id == model.reviewer_id)
                .where(model.document_id.in_(batch))
            ):
                reviewed[doc_id].add(name)
        gold.update(db.session.scalars(
            select(GoldSpan.document_id).distinct().where(GoldSpan.document_id.in_(batch))
        ))
    for doc_id, names in waiting.items():
        names -= reviewed[doc_id]
    return reviewed, waiting, gold


def _attach_clash(project: Project, target: _Target, doc: ParsedDocument) -> str | None:
    """Why the reviews and gold of ``doc`` cannot join the article at ``target``, or None."""
    for review in doc.reviews:
        lower = review.reviewer.lower()
        if lower not in target.reviewers:
            continue
        earlier = target.reviewers[lower]
        if earlier is None:
            return (f"reviewer '{review.reviewer}' already has a review of {target.label} in "
                    f"project '{project.slug}'")
        return (f"reviewer '{review.reviewer}' already has a review of the same article "
                f"earlier in this import ({earlier})")
    if doc.gold and target.has_gold:
        if target.gold_origin is None:
            return f"{target.label} already has gold spans in project '{project.slug}'"
        return f"gold spans for the same article come earlier in this import " \
               f"({target.gold_origin})"
    return None


# Columns written by the bulk inserts, in the order of the rows built for them.
PARAGRAPH_COLUMNS = ("document_id", "position", "text")
REVIEW_COLUMNS = ("document_id", "reviewer_id", "status", "submitted_at", "updated_at")
MARK_COLUMNS = ("document_id", "paragraph_index", "reviewer_id", "created_at")
SPAN_COLUMNS = ("document_id", "paragraph_index", "reviewer_id", "start", "end", "label",
                "attributes", "note", "created_at", "updated_at")
GOLD_COLUMNS = ("document_id", "paragraph_index", "start", "end", "label", "attributes",
                "note", "provenance", "created_at")


class _Import:
    """One import, fed chunk by chunk (``add``): what it has seen so far (articles, external
    ids, reviewers) for the duplicate rules, and the writing of each chunk."""

    def __init__(self, project: Project, skip_existing: bool):
        self.project = project
        self.skip_existing = skip_existing
        self.result = ImportResult()
        self.targets: dict[str, _Target] = {}  # content hash -> its article
        self.existing_ext: dict[str, tuple[int, str]] = {}  # in the project before the import
        self.batch_ext: dict[str, str] = {}  # external id -> where it came in this import
        self.reviewer_ids: dict[str, int] = {}  # lower-case name -> user id
        self.now = utcnow()
        # The same timestamp on every row, as the driver takes it.
        self.stamp = driver_value(Annotation.__table__.c.created_at, self.now)

    def add(self, documents: list[ParsedDocument]) -> None:
        hashes = [d.content_hash for d in documents]
        self._look_up(documents, hashes)
        keep, attach = self._sort_out(documents, hashes)
        self._add_reviewers({r.reviewer for doc, _, _ in keep for r in doc.reviews}
                            | {r.reviewer for _, doc in attach for r in doc.reviews})
        if keep or attach:
            self._write(keep, attach)

    def finish(self) -> ImportResult:
        self.result.created_reviewers.sort()
        return self.result

    def _look_up(self, documents: list[ParsedDocument], hashes: list[str]) -> None:
        """Read what the project held before the import of these documents: articles with the
        same paragraphs, documents with the same external ids, and, for labelled documents, who
        has reviewed those articles. What earlier chunks wrote is known from ``targets`` and
        ``batch_ext`` and never read back, so it is never taken for what the project held."""
        project = self.project
        for batch in _batched(sorted({h for h in hashes if h not in self.targets})):
            for id_, title, h in db.session.execute(
                select(Document.id, Document.title, Document.content_hash)
                .where(Document.project_id == project.id, Document.content_hash.in_(batch))
            ):
                self.targets[h] = _Target(f"document {id_} ({title!r})", document_id=id_)
        external_ids = {d.external_id for d in documents if d.external_id} \
            - self.batch_ext.keys() - self.existing_ext.keys()
        for batch in _batched(sorted(external_ids)):
            for id_, title, ext in db.session.execute(
                select(Document.id, Document.title, Document.external_id)
                .where(Document.project_id == project.id, Document.external_id.in_(batch))
            ):
                self.existing_ext[ext] = (id_, title)
        # Labelled documents whose article is already there may join it: who has reviewed it?
        hits: dict[int, _Target] = {}
        for doc, h in zip(documents, hashes, strict=True):
            target = self.targets.get(h)
            if target is not None and not target.new and not target.work_known \
                    and (doc.reviews or doc.gold):
                hits[target.document_id] = target
        if hits:
            reviewed, waiting, has_gold = _existing_work(sorted(hits))
            for id_, target in hits.items():
                target.reviewers = dict.fromkeys(reviewed[id_])
                target.waiting = waiting[id_]
                target.has_gold = id_ in has_gold
                target.work_known = True

    def _sort_out(
        self, documents: list[ParsedDocument], hashes: list[str]
    ) -> tuple[list[tuple[ParsedDocument, str, _Target]],
               list[tuple[_Target, ParsedDocument]]]:
        """The new documents (and their targets), and the labelled documents that join an
        article already there; duplicates are refused or, with skip_existing, skipped."""
        project, result = self.project, self.result
        keep: list[tuple[ParsedDocument, str, _Target]] = []
        attach: list[tuple[_Target, ParsedDocument]] = []
        for doc, h in zip(documents, hashes, strict=True):
            target = self.targets.get(h)
            clash = None
            if target is not None and (doc.reviews or doc.gold):
                clash = _attach_clash(project, target, doc)
                if clash is None:
                    for review in doc.reviews:
                        target.reviewers[review.reviewer.lower()] = doc.origin
                    if doc.gold:
                        target.has_gold, target.gold_origin = True, doc.origin
                    attach.append((target, doc))
                    continue
            elif target is not None and not target.new:
                clash = f"the same article is already in project '{project.slug}' as " \
                        f"{target.label}"
            elif target is not None:
                clash = f"the same article appears earlier in this import ({target.label})"
            elif doc.external_id and doc.external_id in self.existing_ext:
                id_, title = self.existing_ext[doc.external_id]
                clash = f"external id {doc.external_id!r} is already used in project " \
                        f"'{project.slug}' by document {id_} ({title!r})"
            elif doc.external_id and doc.external_id in self.batch_ext:
                clash = f"external id {doc.external_id!r} appears earlier in this import " \
                        f"({self.batch_ext[doc.external_id]})"
            if clash:
                if self.skip_existing:
                    result.skipped.append(f"{doc.origin} ({clash})")
                    continue
                raise ImportFailed(
                    f"{doc.origin}: {clash}. Nothing was imported"
                    + ("." if self.skip_existing
                       else "; use --skip-existing to skip such documents.")
                )
            target = self.targets[h] = _Target(
                doc.origin, new=True,
                reviewers=dict.fromkeys((r.reviewer.lower() for r in doc.reviews), doc.origin),
                has_gold=bool(doc.gold), gold_origin=doc.origin if doc.gold else None,
            )
            if doc.external_id:
                self.batch_ext[doc.external_id] = doc.origin
            keep.append((doc, h, target))
        return keep, attach

    def _add_reviewers(self, names: set[str]) -> None:
        """Ids of the named reviewers (case-insensitive); missing ones are created, no
        password."""
        by_lower: dict[str, str] = {}
        for name in sorted(names):
            if name.lower() not in self.reviewer_ids:
                by_lower.setdefault(name.lower(), name)
        for batch in _batched(sorted(by_lower)):
            for id_, lower in db.session.execute(
                select(User.id, func.lower(User.username))
                .where(func.lower(User.username).in_(batch))
            ):
                self.reviewer_ids[lower] = id_
        for lower, name in by_lower.items():
            if lower not in self.reviewer_ids:
                user = User(username=name, role="reviewer", password_hash=None)
                db.session.add(user)
                db.session.flush()
                self.reviewer_ids[lower] = user.id
                self.result.created_reviewers.append(name)

    def _write(self, keep: list[tuple[ParsedDocument, str, _Target]],
               attach: list[tuple[_Target, ParsedDocument]]) -> None:
        result, now = self.result, self.now
        if keep:
            documents = Document.__table__
            ids = db.session.scalars(
                insert(documents).returning(documents.c.id, sort_by_parameter_order=True),
                [{"project_id": self.project.id, "title": doc.title, "source": doc.source,
                  "url": doc.url, "published": doc.published, "meta": doc.meta,
                  "external_id": doc.external_id, "content_hash": h,
                  "paragraph_count": len(doc.paragraphs), "created_at": now}
                 for doc, h, _ in keep],
            ).all()
            for (_, _, target), id_ in zip(keep, ids, strict=True):
                target.document_id = id_
            result.documents.extend(ids)

        # (document id, parsed document, its paragraphs are new, assignments to take over)
        placements: list[tuple[int, ParsedDocument, bool, set[str]]] = [
            (target.document_id, doc, True, set()) for doc, _, target in keep
        ]
        for target, doc in attach:
            if not target.new:
                placements.append((target.document_id, doc, False, target.waiting))
                if target.document_id not in result.updated_documents:
                    result.updated_documents.append(target.document_id)
                result.added_reviews += len(doc.reviews)
                result.added_gold += bool(doc.gold)
            else:
                placements.append((target.document_id, doc, False, set()))
        for _, doc, _, _ in placements:
            _check_gold_places(doc)

        stamp = self.stamp
        review_rows = []
        for doc_id, doc, _, assigned in placements:
            for review in doc.reviews:
                reviewer_id = self.reviewer_ids[review.reviewer.lower()]
                submitted = review.status == "submitted"
                if review.reviewer.lower() in assigned:
                    db.session.execute(
                        update(DocumentReview)
                        .where(DocumentReview.document_id == doc_id,
                               DocumentReview.reviewer_id == reviewer_id)
                        .values(status=review.status, submitted_at=now if submitted else None,
                                updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                else:
                    review_rows.append((doc_id, reviewer_id, review.status,
                                        stamp if submitted else None, stamp))
        # The other rows are made as they are written (on PostgreSQL the server inserts them
        # meanwhile); paragraphs first: the rest refers to them.
        reviews = [(doc_id, self.reviewer_ids[review.reviewer.lower()], review)
                   for doc_id, doc, _, _ in placements for review in doc.reviews]
        dumps = json.dumps  # the JSON columns' text, as SQLAlchemy writes it
        counts = {
            Paragraph: sum(len(doc.paragraphs) for _, doc, new, _ in placements if new),
            DocumentReview: len(review_rows),
            ParagraphReview: sum(len(review.reviewed_paragraphs) for *_, review in reviews),
            Annotation: sum(len(review.annotations) for *_, review in reviews),
            GoldSpan: sum(len(doc.gold) for _, doc, _, _ in placements),
        }
        for model, columns, rows in (
            (Paragraph, PARAGRAPH_COLUMNS,
             ((doc_id, i, text) for doc_id, doc, new, _ in placements if new
              for i, text in enumerate(doc.paragraphs))),
            (DocumentReview, REVIEW_COLUMNS, review_rows),
            (ParagraphReview, MARK_COLUMNS,
             ((doc_id, p, reviewer_id, stamp) for doc_id, reviewer_id, review in reviews
              for p in review.reviewed_paragraphs)),
            (Annotation, SPAN_COLUMNS,
             ((doc_id, s.paragraph, reviewer_id, s.start, s.end, s.label, dumps(s.attributes),
               s.note, stamp, stamp)
              for doc_id, reviewer_id, review in reviews for s in review.annotations)),
            (GoldSpan, GOLD_COLUMNS,
             ((doc_id, s.paragraph, s.start, s.end, s.label, dumps(s.attributes), s.note,
               s.provenance, stamp)
              for doc_id, doc, _, _ in placements for s in doc.gold)),
        ):
            if counts[model]:
                bulk_insert(model.__table__, columns, rows)
        result.paragraphs += counts[Paragraph]
        result.spans += counts[Annotation]
        result.gold += counts[GoldSpan]


def _check_gold_places(doc: ParsedDocument) -> None:
    """A document has one gold span per place and label."""
    seen: dict[tuple, int] = {}
    for number, s in enumerate(doc.gold, start=1):
        place = (s.paragraph, s.label, s.start, s.end)
        if place in seen:
            raise ImportFailed(
                f"{doc.origin}: gold span {number} repeats gold span {seen[place]} "
                f"(paragraph {s.paragraph}, {s.start}-{s.end}, {s.label}); a document has "
                f"one gold span per place and label.")
        seen[place] = number


def _batched(values: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def import_paths(
    project: Project,
    paths: Sequence[str | Path],
    first_line_title: bool = False,
    skip_existing: bool = False,
    reviewer: str | None = None,
) -> ImportResult:
    """Parse and import files (no progress display): the programmatic entry point. The
    files are read and written as they come (``iter_documents``, ``import_stream``)."""
    codebook = load_codebook(project.codebook)
    documents = iter_documents(expand_paths(paths), codebook, first_line_title,
                               reviewer=reviewer)
    return import_stream(project, documents, skip_existing=skip_existing)
