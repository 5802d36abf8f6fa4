"""Files read, parsed and made into COPY lines in a process of their own while the import
writes: ``read_ahead``.

On PostgreSQL an import's time is the parsing (Python: JSON, offsets, the codebook's checks)
plus the writing (the client making the rows, the server storing them). In one process the
parsing and the writing share the GIL, and the writing thread and the server mostly take
turns (benchmarks/README.md). Here a child process, forked from the importing one, parses the
files and makes each document's paragraphs and spans into COPY text lines (``copytext``);
the parent receives them in batches through a pipe and only writes, while the child parses
the next ones on the other core. The transaction, the checks and the all-or-nothing rule are
the writer's, unchanged: the child only reads files, and a fault there (a bad line, say)
comes to the parent as the same exception, raised where the documents are read, which rolls
the import back.

The child is forked (it inherits the codebook and the open app as they are, with nothing to
pickle), and only when forking is safe: the importing process runs no other thread (a lock
held by another thread at the fork would stay held in the child). It touches no database
connection (``database.init_app`` makes a forked child's pool forget its parent's, and its
collector stays off so that no object it shares with its parent is finalised) and ends with
``os._exit`` (multiprocessing's way), running no clean-up of its parent's.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from ..database import gc_paused
from ..errors import DomainError, ImportFailed
from .parsed import ParsedDocument

# Documents are sent in batches of about this many bytes of COPY lines (a pickle per batch,
# not per document); the pipe holds a batch or so, and the writer's read-ahead thread one
# chunk: the child is never far ahead.
BATCH_BYTES = 1 << 20


def can_fork() -> bool:
    """Whether a child process may be forked here: the platform forks and this process runs
    no thread but the calling one."""
    return hasattr(os, "fork") and threading.active_count() == 1


def read_ahead(
    make: Callable[[Callable[[Path], None]], Iterator[ParsedDocument]],
    pack: Callable[[ParsedDocument], ParsedDocument],
    progress: Callable[[Path], None] | None = None,
) -> Iterator[ParsedDocument]:
    """The documents of ``make(progress)`` (``iter_documents``), each ``pack``-ed, made in
    a forked child process while the caller works; ``progress`` is called here, in order
    with the documents. The child starts now; stopping early (closing the iterator) or an
    error on either side ends it."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(make, pack, sending), daemon=True,
                            name="annotator-import-reader")
    with gc_paused():  # no collection between the fork and the child's start (see above)
        child.start()
    sending.close()
    return _received(child, receiving, progress)


def _received(child, receiving, progress: Callable[[Path], None] | None
              ) -> Iterator[ParsedDocument]:
    try:
        while True:
            try:
                kind, value = receiving.recv()
            except EOFError:
                child.join()
                raise ImportFailed(
                    f"the process reading the files ended unexpectedly (exit code "
                    f"{child.exitcode}). Nothing was imported.") from None
            if kind == "documents":
                yield from value
            elif kind == "read":
                if progress is not None:
                    progress(Path(value))
            elif kind == "error":
                raise value
            else:  # "done"
                return
    finally:
        receiving.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _child(make: Callable, pack: Callable, sending) -> None:
    """In the child: parse, pack and send, then "done"; or send the error."""
    batch: list[ParsedDocument] = []
    size = 0

    def flush() -> None:
        nonlocal batch, size
        if batch:
            sending.send(("documents", batch))
            batch, size = [], 0

    def read(path: Path) -> None:
        flush()
        sending.send(("read", str(path)))

    try:
        for doc in make(read):
            pack(doc)
            batch.append(doc)
            size += len(doc.paragraph_lines.data) + sum(
                24 * r.span_count for r in doc.reviews)  # about, in bytes
            if size >= BATCH_BYTES:
                flush()
        flush()
        sending.send(("done", None))
    except BaseException as error:  # to be raised in the parent, which rolls back
        if not isinstance(error, DomainError):  # a fault of the code: where it was, here
            error.add_note("In the process reading the files:\n"
                           + "".join(traceback.format_exception(error)))
        try:
            sending.send(("error", error))
        except Exception:  # not picklable: its words are
            sending.send(("error", ImportFailed(f"{type(error).__name__}: {error}")))
    finally:
        sending.close()
