"""Bringing articles in: plain text, Markdown with front matter, documents JSONL, and labelled
data from other tools: doccano JSONL (one reviewer per file) and brat folders or zips.

Parsing (``parse_*``) turns files into ``ParsedDocument`` values and checks everything that
can be checked without the database: encoding, JSON, offsets against the text, labels and
attribute values against the codebook. The writer then stores a whole import in one
transaction. Any fault refuses the whole import and names the file, the line and the reason;
nothing is written.

One module per concern:

- ``paragraphs``: the paragraph rule (``split_paragraphs``), ``content_hash``, and
  ``ParagraphMap`` for formats that count offsets into a whole text (doccano, brat);
- ``parsed``: the parsed values and the checks every format shares (a span, a date, a url);
- ``text``: ``.txt``/``.md`` with front matter, and the UTF-8 rule;
- ``html``: web pages (``.html``/``.htm``), the article taken out with trafilatura;
  ``fetch``: fetching pages by address, within limits and to allowed addresses only;
- ``jsonl``: documents JSONL; ``doccano``: doccano JSONL; ``brat``: brat folders and zips;
- ``files``: paths to files, the dispatch by file kind, ``import_paths``;
- ``copytext``: parsed documents as PostgreSQL COPY text lines, made ahead of the writing;
  ``ahead``: files read and parsed in a process of their own while the import writes;
- ``writer``: ``import_documents`` and ``import_stream``, the bulk writer.
"""

from .fetch import fetch_documents, fetch_policy, read_url_list
from .files import (
    expand_paths,
    import_paths,
    iter_documents,
    parse_file,
    parse_paths,
    stream_documents,
)
from .html import parse_html
from .jsonl import iter_jsonl, parse_document_object, parse_jsonl
from .paragraphs import ParagraphMap, SpanOutside, content_hash, split_paragraphs
from .parsed import ParsedDocument
from .text import parse_text_file
from .writer import ImportResult, import_documents, import_stream

# What the rest of the app calls (the CLI, the admin import page, the demo, tests, benchmarks).
__all__ = [
    "ImportResult",
    "ParagraphMap",
    "ParsedDocument",
    "SpanOutside",
    "content_hash",
    "expand_paths",
    "fetch_documents",
    "fetch_policy",
    "import_documents",
    "import_paths",
    "import_stream",
    "iter_documents",
    "iter_jsonl",
    "parse_document_object",
    "parse_file",
    "parse_html",
    "parse_jsonl",
    "parse_paths",
    "parse_text_file",
    "read_url_list",
    "split_paragraphs",
    "stream_documents",
]
