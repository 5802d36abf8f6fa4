"""Files and folders named for an import: which files a path stands for (``expand_paths``),
which format reads each (``parse_file``, by suffix; a folder of the brat layout is one brat
import), and the documents they hold, one at a time (``iter_documents``) or all
(``parse_paths``); ``import_paths`` reads and writes them in one go.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from flask import current_app

from ..codebook import Codebook, load_codebook
from ..database import copy_rows_ok, gc_paused
from ..errors import ImportFailed
from ..models import Project
from .ahead import can_fork, read_ahead
from .brat import brat_layout, parse_brat_folder, parse_brat_zip
from .html import HTML_SUFFIXES, parse_html
from .jsonl import JSONL_SUFFIXES, Share, iter_jsonl, parse_jsonl
from .parsed import ParsedDocument
from .text import TEXT_SUFFIXES, parse_text_file
from .writer import ImportResult, import_stream, pack

ZIP_SUFFIXES = (".zip",)


def parse_file(
    data: bytes, name: str, codebook: Codebook, first_line_title: bool = False,
    reviewer: str | None = None,
) -> list[ParsedDocument]:
    """Parse one uploaded or named file by its suffix: ``.txt``/``.md``, ``.html``/``.htm``
    (a web page), ``.jsonl`` (documents, or doccano with ``reviewer``) or ``.zip`` (a brat
    folder)."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [parse_text_file(data, name, first_line_title)]
    if suffix in HTML_SUFFIXES:
        return [parse_html(data, name)]
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
        f".html, .jsonl or a brat .zip."
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
                if p.is_file()
                and p.suffix.lower() in TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
            )
            if not found:
                raise ImportFailed(
                    f"{path}: the folder holds no .txt, .md, .html or .jsonl files.")
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
    share: Share | None = None,
) -> Iterator[ParsedDocument]:
    """The documents of the files ``expand_paths`` gives, one at a time (``parse_paths``
    without holding them all): JSONL files are read line by line; ``progress`` is called
    after each file. ``share`` (JSONL files only): this reader's part of the documents, the
    others' given as ``NOT_MINE`` (``iter_jsonl``)."""
    for path in paths:
        if share is not None and (path.is_dir() or path.suffix.lower() not in JSONL_SUFFIXES):
            raise ValueError(f"{path}: only JSONL files are read in shares")
        if path.is_dir():
            yield from parse_brat_folder(path, codebook)
        elif path.suffix.lower() in JSONL_SUFFIXES:
            yield from iter_jsonl(_file_lines(path), str(path), codebook, reviewer, share)
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ImportFailed(f"{path}: cannot be read ({exc.strerror}).") from None
            yield from parse_file(data, str(path), codebook, first_line_title, reviewer)
        if progress:
            progress(path)


def stream_documents(
    paths: Sequence[Path],
    codebook: Codebook,
    first_line_title: bool = False,
    progress: Callable[[Path], None] | None = None,
    reviewer: str | None = None,
) -> Iterator[ParsedDocument]:
    """``iter_documents`` for ``import_stream``: where processes may be forked
    (``ahead.can_fork``), the app allows it (``IMPORT_READ_AHEAD_PROCESSES``, at most the
    number of CPUs) and the files are worth it (``READ_AHEAD_BYTES``), the files are read and
    parsed in processes of their own while the import writes (``ahead.read_ahead``): JSONL
    files by several, each parsing its share of the documents, other files by one; on
    PostgreSQL they make the documents into COPY rows too. Elsewhere the files are parsed as
    they are read, here."""
    wanted = current_app.config["IMPORT_READ_AHEAD_PROCESSES"]
    if not (wanted and can_fork() and _size(paths) >= READ_AHEAD_BYTES):
        return iter_documents(paths, codebook, first_line_title, progress, reviewer)
    processes = 1
    if all(p.is_file() and p.suffix.lower() in JSONL_SUFFIXES for p in paths):
        processes = max(1, min(wanted, os.cpu_count() or 1))

    def make(index: int, read: Callable[[Path], None] | None) -> Iterator[ParsedDocument]:
        share = Share(index, processes) if processes > 1 else None
        return iter_documents(paths, codebook, first_line_title, read, reviewer, share)

    return read_ahead(make, pack if copy_rows_ok() else hashed, progress, processes)


# Files smaller than this together are parsed in the importing process: starting processes
# takes about as long as parsing a megabyte.
READ_AHEAD_BYTES = 1 << 20


def _size(paths: Sequence[Path]) -> int:
    """The bytes of the files (a folder's: its files'); what cannot be read counts as none
    (reading it says why)."""
    size = 0
    for path in paths:
        for file in ([path] if not path.is_dir() else path.rglob("*")):
            with contextlib.suppress(OSError):
                size += file.stat().st_size if file.is_file() else 0
        if size >= READ_AHEAD_BYTES:
            break
    return size


def hashed(doc: ParsedDocument) -> ParsedDocument:
    """A document read ahead for a writer that takes no COPY rows (SQLite): only its content
    hash taken ahead."""
    doc.hashed = doc.content_hash
    return doc


# Read a file in large blocks: a JSONL document's line is often tens of kilobytes, and each
# read of the default 8 KB block hands the GIL to the thread writing the previous chunk.
READ_BUFFER = 1 << 20


def _file_lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb", buffering=READ_BUFFER) as stream:
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


def import_paths(
    project: Project,
    paths: Sequence[str | Path],
    first_line_title: bool = False,
    skip_existing: bool = False,
    reviewer: str | None = None,
) -> ImportResult:
    """Parse and import files (no progress display): the programmatic entry point. The
    files are read and written as they come (``stream_documents``, ``import_stream``), as
    ``annotator import`` does."""
    codebook = load_codebook(project.codebook)
    documents = stream_documents(expand_paths(paths), codebook, first_line_title,
                                 reviewer=reviewer)
    return import_stream(project, documents, skip_existing=skip_existing)
