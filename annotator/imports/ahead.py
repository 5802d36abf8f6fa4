"""Files read, parsed (and on PostgreSQL made into COPY rows) in processes of their own while
the import writes: ``read_ahead``.

An import's time is the parsing (Python: JSON, offsets, the codebook's checks) plus the
writing (on PostgreSQL the client making the rows, the server storing them; on SQLite the
library, in the importing process). In one process the parsing and the writing share the
GIL, and on PostgreSQL the writing thread and the server mostly take turns
(benchmarks/README.md). Here child processes, forked from the importing one, parse the files
and, for PostgreSQL, make each document's paragraphs, spans and marks into COPY rows
(``copytext``); the parent receives them in batches through a pipe per child and only writes,
while the children parse the next ones on the other cores. JSONL files are read by several
children at once, each parsing its share of the documents (``jsonl.Share``: every n-th),
and the documents are taken from them in turn, in the files' order. The transaction, the
checks and the all-or-nothing rule are the writer's, unchanged: the children only read
files, and a fault there (a bad line, say) comes to the parent as the same exception, after
the documents before it, raised where it is in the files' order, which rolls the import
back.

The children are forked (they inherit the codebook and the open app as they are, with nothing
to pickle), and only when forking is safe: the importing process runs no other thread (a lock
held by another thread at the fork would stay held in the child). They touch no database
connection (``database.init_app`` makes a forked child's pool forget its parent's, and their
collector never looks at what they inherited, so that none of it is finalised; a SQLite
file's locks are held per process, and a child holds none) and end with ``os._exit``
(multiprocessing's way), running no clean-up of their parent's.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

from ..database import gc_paused
from ..errors import DomainError, ImportFailed
from .parsed import ParsedDocument

# Documents are sent in batches of about this many bytes (their text and spans; a pickle per
# batch, not per document); the pipe holds a batch or so, and the writer's read-ahead thread
# one chunk: a child is never far ahead.
BATCH_BYTES = 1 << 20


def can_fork() -> bool:
    """Whether a child process may be forked here: the platform forks safely (not macOS,
    whose system libraries may not survive a fork) and this process runs no thread but the
    calling one."""
    return hasattr(os, "fork") and sys.platform != "darwin" \
        and threading.active_count() == 1


def read_ahead(
    make: Callable[[int, Callable[[Path], None] | None], Iterator[ParsedDocument | None]],
    pack: Callable[[ParsedDocument], ParsedDocument],
    progress: Callable[[Path], None] | None = None,
    processes: int = 1,
) -> ReadAhead:
    """The documents of ``make(index, read)`` (``iter_documents``), each ``pack``-ed, made
    in ``processes`` forked child processes while the caller works. With several, child
    ``index`` parses every ``processes``-th document (a ``jsonl.Share``; it skips the
    others, ``NOT_MINE``), and they are taken from the children in turn: the order of the
    files, and an error is raised where it is in that order. ``progress`` is called here, in
    order with the documents (the first child reports the files read). The children start
    now; closing the iterator (``import_stream`` does, however it ends), an error on either
    side or the iterator's end ends them."""
    context = multiprocessing.get_context("fork")
    reading = ReadAhead()
    try:
        for index in range(processes):
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(make, index, pack, sending),
                                    daemon=True, name=f"annotator-import-reader-{index}")
            with gc_paused():  # no collection between the fork and the child's start
                child.start()
            sending.close()
            reading.add(child, receiving, progress if index == 0 else None)
    except BaseException:
        reading.close()
        raise
    return reading


class ReadAhead(Iterator[ParsedDocument]):
    """The documents the children of ``read_ahead`` send, in order; ``close`` ends them
    (also when the iterator is dropped unread)."""

    def __init__(self) -> None:
        self.children: list = []
        self.pipes: list = []
        self.streams: list[Iterator[ParsedDocument]] = []
        self._documents: Iterator[ParsedDocument] | None = None
        self._finalizer = weakref.finalize(self, _stop, self.children, self.pipes)

    def add(self, child, receiving, progress: Callable[[Path], None] | None) -> None:
        self.children.append(child)
        self.pipes.append(receiving)
        self.streams.append(_received(child, receiving, progress))

    def __next__(self) -> ParsedDocument:
        if self._documents is None:
            self._documents = self.streams[0] if len(self.streams) == 1 \
                else _in_turn(self.streams)
        try:
            return next(self._documents)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
        self._finalizer()


def _stop(children: list, pipes: list) -> None:
    for pipe in pipes:
        pipe.close()
    for child in children:
        if child.is_alive():
            child.terminate()
        child.join()


def _in_turn(streams: list[Iterator[ParsedDocument]]) -> Iterator[ParsedDocument]:
    """The documents of the children, one from each in turn: the order they come in the
    files. The stream whose turn it is ends where the documents do."""
    while True:
        for turn, stream in enumerate(streams):
            doc = next(stream, None)
            if doc is None:
                others = [next(s, None) for s in streams[turn + 1:] + streams[:turn]]
                if any(other is not None for other in others):
                    raise RuntimeError("the processes reading the files lost step")
                return
            yield doc


def _received(child, receiving, progress: Callable[[Path], None] | None
              ) -> Iterator[ParsedDocument]:
    """What one child sends, as it comes; its error raised here."""
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


def _child(make: Callable, index: int, pack: Callable, sending) -> None:
    """In child ``index``: parse, pack and send its documents, then "done"; or send the
    error."""
    # Every object inherited from the parent (its database connections among them) is set
    # aside where the collector never looks, so that none is finalised here. The collector
    # stays off while parsing (as the fork left it: parsing makes no cycles, and a collection
    # every few hundred objects made would cost a tenth of the time); what a file's parsing
    # left in cycles (a web page's tree, say) is collected after each file.
    gc.freeze()
    batch: list[ParsedDocument] = []
    size = 0

    def flush() -> None:
        nonlocal batch, size
        if batch:
            sending.send(("documents", batch))
            batch, size = [], 0

    def read(path: Path) -> None:
        gc.collect()
        if index == 0:  # the first child tells the parent
            flush()
            sending.send(("read", str(path)))

    try:
        for doc in make(index, read):
            if doc is None:  # another child's
                continue
            pack(doc)
            batch.append(doc)
            size += sum(map(len, doc.paragraphs)) + 64 * doc.span_count  # about, in bytes
            if size >= BATCH_BYTES:
                flush()
        flush()
        sending.send(("done", None))
    except BaseException as error:  # to be raised in the parent, which rolls back
        if not isinstance(error, DomainError):  # a fault of the code: where it was, here
            error.add_note("In the process reading the files:\n"
                           + "".join(traceback.format_exception(error)))
        try:
            flush()  # the documents before it first: its place in the files' order
        except OSError:  # the parent has stopped reading: nobody to tell
            return
        try:
            sending.send(("error", error))
        except OSError:
            return
        except Exception:  # not picklable: its words are
            sending.send(("error", ImportFailed(f"{type(error).__name__}: {error}")))
    finally:
        sending.close()
