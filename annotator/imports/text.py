"""Plain text and Markdown (``.txt``, ``.md``): optional front matter, then paragraphs between
blank lines (INTERFACE.md, "Plain text"); and the UTF-8 rule every file read as text keeps:
UTF-8 (a BOM is ignored), no NUL, or a refusal naming the file (and the line, read line by
line).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ImportFailed
from .paragraphs import split_paragraphs
from .parsed import MAX_TITLE, ParsedDocument, optional_text, parse_date, parse_url

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
FRONT_MATTER_KEYS = ("title", "source", "url", "published", "external_id")
BOM = b"\xef\xbb\xbf"


def _not_utf8(where: str, data: bytes, exc: UnicodeDecodeError, offset: int = 0) -> ImportFailed:
    return ImportFailed(
        f"{where}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
        f"{offset + exc.start} cannot be read); save it as UTF-8 and import it again."
    )


def _has_nul(name: str) -> ImportFailed:
    return ImportFailed(f"{name}: the file contains NUL bytes; it looks like a binary file.")


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is ignored) or a clear refusal naming the file."""
    if data.startswith(BOM):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(name, data, exc) from None
    if "\x00" in text:
        raise _has_nul(name)
    return text


def text_lines(lines: Iterable[bytes], name: str) -> Iterator[tuple[int, str]]:
    """(number, text) of each line of a UTF-8 file read line by line (``\\n`` ends a line;
    numbers count from 1): the streaming ``decode_text``. A BOM at the start is ignored; bytes
    that are not UTF-8 are refused naming the file, the line and the position in the file."""
    position = 0  # bytes before this line (after a BOM), where decode_text would count
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(f"{name}, line {number}", raw, exc, position) from None
        if "\x00" in line:
            raise _has_nul(name)
        position += len(raw)
        yield number, line


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
        source=optional_text(front.get("source"), "source", where, 200),
        url=parse_url(front.get("url"), where),
        published=parse_date(front.get("published"), where),
        external_id=optional_text(front.get("external_id"), "external_id", where, 200),
        meta=meta,
    )

