"""brat standoff: a folder with one subfolder per reviewer (``REVIEWER/DOCID.txt`` and
``REVIEWER/DOCID.ann``, ``gold/`` for gold spans), or a zip of one, as ``export --format brat``
writes it. ``T`` lines are spans, ``A`` (``M``) lines their attributes, ``AnnotatorNotes``
their notes; offsets count into ``DOCID.txt``, which is split into paragraphs as plain text is.
"""


from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from flask import current_app

from ..accounts import USERNAME_RE
from ..codebook import Codebook
from ..errors import ImportFailed, Invalid
from ..spans import clean_note
from .paragraphs import ParagraphMap, SpanOutside, locate_span
from .parsed import (
    GOLD,
    MAX_TITLE,
    ParsedDocument,
    ParsedReview,
    ParsedSpan,
    parse_span,
)
from .text import decode_text

# Zip bombs: what one archive may unpack to (IMPORT_ARCHIVE_MAX_BYTES, bytes of .txt and .ann in
# all) and how much more than its compressed size one member may unpack to
# (IMPORT_ARCHIVE_MAX_RATIO; text compresses about 3 to 10 times, a bomb thousands of times).
MAX_ARCHIVE_TEXT = 64 * 1024 * 1024
MAX_ARCHIVE_RATIO = 200
_RATIO_FROM = 1024 * 1024  # smaller members are never refused for their ratio
_CHUNK = 1024 * 1024


def _archive_limits() -> tuple[int, int]:
    try:
        config = current_app.config
    except RuntimeError:  # no app: the defaults
        return MAX_ARCHIVE_TEXT, MAX_ARCHIVE_RATIO
    return (int(config.get("IMPORT_ARCHIVE_MAX_BYTES", MAX_ARCHIVE_TEXT)),
            int(config.get("IMPORT_ARCHIVE_MAX_RATIO", MAX_ARCHIVE_RATIO)))
BRAT_UNSUPPORTED = {"R": "a relation", "E": "an event", "N": "a normalisation",
                    "*": "an equivalence"}


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
    limit, ratio = _archive_limits()
    total = 0
    for info, path in members:
        rel = path.parts[len(prefix):]
        if path.parts[:len(prefix)] != prefix or len(rel) != 2 \
                or path.suffix.lower() not in (".txt", ".ann"):
            continue
        if info.file_size > _RATIO_FROM and info.file_size > ratio * max(info.compress_size, 1):
            raise ImportFailed(
                f"{name}/{path}: unpacks to {info.file_size / info.compress_size:,.0f} times its "
                f"compressed size (at most {ratio} is accepted): not an export of text, or a "
                f"zip bomb; nothing was imported.")
        total += info.file_size
        if total > limit:
            raise ImportFailed(f"{name}: the zip unpacks to more than {limit / 2**20:g} MB of "
                               f"text (IMPORT_ARCHIVE_MAX_BYTES); import it in parts.")
        # Read as a stream and counted as it comes: a member that unpacks to more than its
        # header says is stopped at the limit, never held whole.
        chunks, size = [], 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    size += len(chunk)
                    if size > info.file_size or total - info.file_size + size > limit:
                        raise ImportFailed(f"{name}/{path}: unpacks to more than its header "
                                           f"says, or past the limit; nothing was imported.")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            raise ImportFailed(f"{name}/{path}: cannot be read from the zip ({exc}).") from None
        files["/".join(rel)] = b"".join(chunks)
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
            if not USERNAME_RE.fullmatch(folder):
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
            note = clean_note(note, n_where)  # named at the note's line
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
    except (json.JSONDecodeError, RecursionError):  # not JSON, or not ours: a plain note
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("note"), str) \
            or not set(payload) <= {"note", "attributes"} \
            or not isinstance(payload.get("attributes", {}), dict):
        return None
    return payload["note"], payload.get("attributes", {})

