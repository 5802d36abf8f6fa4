"""Where a document came from, when it came from the web: the keys an import of a web page
writes into the document's ``meta`` (imports/html.py), and their reading for the pages.

Kept in ``meta`` rather than in columns of their own: the documents JSONL (and the dump)
carry ``meta`` already, so an export imports back with its origin and other tools read it
where they read the rest; nothing queries or sorts by it.

- ``fetched_url``: the address the page was fetched from (as asked for), or, for a saved
  page, the address the browser saved it from when the file says so;
- ``final_url``: where redirects led, when that is another address;
- ``fetched_at``: when it was fetched (or saved), UTC, ISO 8601 (``2021-07-26T14:05:09Z``);
- ``author``, ``language``: what the page says;
- ``extracted_with``: the extractor and its version (``trafilatura 2.3.1``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

FETCHED_URL = "fetched_url"
FINAL_URL = "final_url"
FETCHED_AT = "fetched_at"
AUTHOR = "author"
LANGUAGE = "language"
EXTRACTED_WITH = "extracted_with"

WEB_ADDRESS = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def format_time(moment: dt.datetime) -> str:
    """``2021-07-26T14:05:09Z``: UTC, whole seconds."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time as ``format_time`` writes it (or with an offset), else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def web_address(value: Any) -> str | None:
    """``value`` when it is an http(s) address (the only kind a page may link to), else None:
    ``meta`` comes from files, so a ``javascript:`` address there is never made a link."""
    if isinstance(value, str) and WEB_ADDRESS.match(value.strip()):
        return value.strip()
    return None


@dataclass(frozen=True, slots=True)
class WebOrigin:
    """What the document's pages show of where it came from."""

    fetched_url: str | None
    final_url: str | None
    fetched_at: dt.datetime | None
    author: str | None

    @property
    def site(self) -> str | None:
        """The fetched address's host, for a short link text."""
        return urlsplit(self.fetched_url).hostname if self.fetched_url else None


def web_origin(meta: dict[str, Any] | None) -> WebOrigin | None:
    """The web origin kept in a document's ``meta``, or None when it has none."""
    meta = meta if isinstance(meta, dict) else {}
    author = meta.get(AUTHOR)
    origin = WebOrigin(
        fetched_url=web_address(meta.get(FETCHED_URL)),
        final_url=web_address(meta.get(FINAL_URL)),
        fetched_at=parse_time(meta.get(FETCHED_AT)),
        author=(" ".join(author.split())[:300] or None) if isinstance(author, str) else None,
    )
    if origin.fetched_url is None and origin.fetched_at is None and origin.author is None:
        return None
    return origin
