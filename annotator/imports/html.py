"""Web pages (``.html``, ``.htm``, saved or fetched): the article taken out of the page
(INTERFACE.md, "Importing web pages").

trafilatura (made for news and web corpora) finds the article's text and its metadata:
title, outlet (``og:site_name``, JSON-LD's publisher...), author, date, canonical address.
Around it, this module keeps what saved pages of real layouts (tests/data/pages) showed it
needs, each rule tested there:

- **decoding** as a browser does: a BOM, the Content-Type header's charset, the page's own
  ``<meta charset>``, UTF-8, and only then a guess;
- **furniture** it keeps is pruned first: live-blog "Updated at" lines and "Key events"
  menus, bylines, datelines, timestamps, and ``<noscript>`` ("You need to enable
  JavaScript");
- a page of **several article bodies** (a live blog's entries, each ``itemprop=articleBody``)
  is read as one, so that every entry comes, in page order;
- the **title**, when the page repeats it as a heading inside the article, is not a
  paragraph; headings inside the body are (a live blog entry's heading, a crosshead);
- the **standfirst** shown under the headline (``article__summary``, ``standfirst``...) is
  the first paragraph when the article body leaves it out;
- a page whose text is mostly **teasers** linking to other pages (a section front) is
  refused, as is a page with no article text at all.

Paragraphs are the page's blocks (paragraphs, headings, list items, quotes) in order, their
white space collapsed as a browser shows it; a line break (``<br>``) is kept, and a blank
line (``<br><br>``) separates paragraphs as it does in plain text. Where the page came from
(the address and time of the fetch, or of the browser's save when a saved page says so)
goes into the document's ``meta`` (annotator/origin.py).

trafilatura is imported only here, inside the functions that read a page: the command line
stays quick to start.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from .. import origin as keys
from ..errors import ImportFailed
from .paragraphs import split_paragraphs
from .parsed import MAX_TITLE, ParsedDocument, parse_date

log = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# trafilatura's own limit on what it reads (settings.cfg, MAX_FILE_SIZE)
MAX_PAGE_BYTES = 20_000_000

MAX_SOURCE = 200
MAX_URL = 2000
MAX_AUTHOR = 500
# A page whose extracted text lies at least this much in teasers is a list of articles.
TEASER_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class PageOrigin:
    """Where a page came from: the address asked for, when, where redirects led, and the
    charset the server named (fetch.py fills it; a saved page may say it of itself)."""

    url: str
    fetched_at: dt.datetime | None = None
    final_url: str | None = None
    charset: str | None = None


# --- decoding --------------------------------------------------------------------------------

BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
# What browsers read for these labels (WHATWG Encoding): "latin-1" and ASCII pages are
# windows-1252 (which shows 0x80-0x9f as the quotes and dashes their authors typed).
WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"}
# Characters that no page shows and that XML (lxml) refuses.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _codec(label: str, in_page: bool = False) -> str | None:
    label = label.strip().lower()
    if label in WINDOWS_1252:
        label = "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if in_page and name.startswith("utf-16"):
        return "utf-8"  # a page read as ASCII to find its <meta> is not UTF-16 (WHATWG)
    return name


def decode_html(data: bytes, declared: str | None = None) -> str:
    """The page's text, decoded as a browser decodes it: a BOM, else the charset the server
    declared, else the page's ``<meta charset>`` (or XML declaration) in its first 4 KB,
    else UTF-8 when the bytes are UTF-8, else a guess (charset-normalizer), else
    windows-1252. Bytes that the chosen charset cannot read become U+FFFD, as on screen."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, "replace")
    codec = _codec(declared) if declared else None
    if codec is None:
        head = data[:4096]
        match = XML_ENCODING.match(head) or META_CHARSET.search(head)
        if match:
            codec = _codec(match.group(1).decode("ascii"), in_page=True)
    if codec is not None:
        return data.decode(codec, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - trafilatura depends on it
        best = None
    else:
        best = from_bytes(data[:65536]).best()
    return data.decode(best.encoding if best else "cp1252", "replace")


# --- where a saved page came from ------------------------------------------------------------

SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.I)
SINGLEFILE_URL = re.compile(r"<!--\s*Page saved with SingleFile\s+url:\s*(\S+)", re.I)
SINGLEFILE_DATE = re.compile(
    r"saved date:\s*\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")


def saved_origin(text: str) -> PageOrigin | None:
    """Where a saved page says it was saved from: the ``saved from url=`` comment browsers
    write, or SingleFile's header (address and date)."""
    head = text[:8192]
    match = SINGLEFILE_URL.search(head) or SAVED_FROM.search(head)
    url = keys.web_address(match.group(1)) if match else None
    if url is None:
        return None
    when = None
    if date := SINGLEFILE_DATE.search(head):
        try:
            when = dt.datetime.strptime(f"{date.group(1)} {date.group(2)}",
                                        "%b %d %Y %H:%M:%S %z")
        except ValueError:
            when = None
    return PageOrigin(url=url, fetched_at=when)


# --- the page's tree -------------------------------------------------------------------------

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
LOOKS_LIKE_HTML = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p)\b", re.I)


def _tree(text: str, name: str):
    import lxml.html
    from lxml import etree

    if not LOOKS_LIKE_HTML.search(text[:65536]):
        raise ImportFailed(f"{name}: the file is not an HTML page (it has no <html>, <body> "
                           f"or paragraph tags).")
    # lxml refuses a str that declares its encoding; it is decoded already
    text = CONTROL.sub("", XML_DECLARATION.sub("", text, count=1)).replace("\x0c", " ")
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ImportFailed(f"{name}: the page cannot be read as HTML ({exc}).") from None


def _classes(element) -> list[str]:
    return (element.get("class") or "").split()


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _key(text: str) -> str:
    """What two texts share when they read the same: white space and case aside."""
    return " ".join(text.split()).casefold()


def _same(a: str, b: str) -> bool:
    return _key(a) == _key(b)


# Class names (a whole name, or its last part after '-', '_' or '__') of furniture that
# trafilatura would keep: live blogs' "Updated at 16.20" and "Key events", bylines, datelines.
FURNITURE = re.compile(r"(?:^|[_-])(?:key-?events|updated|byline|dateline|timestamp)$", re.I)
CONTAINERS = {"html", "body", "main", "article"}  # never pruned, whatever their class


def _prune_furniture(tree) -> None:
    for element in list(tree.iter("noscript", "nav")):  # ("noscript": without JavaScript)
        element.drop_tree()
    for element in list(tree.iter("header", "footer")):  # the site's, not the article's
        if not any(a.tag in ("article", "main") for a in element.iterancestors()):
            element.drop_tree()
    for element in list(tree.iter("*")):
        if element.tag in CONTAINERS or element.getparent() is None:
            continue
        if any(FURNITURE.search(name) for name in _classes(element)):
            element.drop_tree()


def _one_frame(tree) -> None:
    """A page of several ``itemprop=articleBody`` parts (a live blog's entries): trafilatura
    would take the first as the article and the rest out of order; without the marks it
    takes the whole article."""
    bodies = tree.xpath('//*[contains(concat(" ", normalize-space(@itemprop), " "), '
                        '" articleBody ")]')
    if len(bodies) > 1:
        for element in bodies:
            names = [n for n in element.get("itemprop").split() if n != "articleBody"]
            if names:
                element.set("itemprop", " ".join(names))
            else:
                del element.attrib["itemprop"]


def _split_at_blank_lines(tree) -> None:
    """``<p>A<br><br>B</p>`` is two paragraphs, as a blank line makes two in plain text (and
    as old pages write them: ``<div class="text">A<br><br>B</div>``); trafilatura would keep
    one line break. An element holding only text and inline elements is split there."""
    for element in list(tree.iter("p", "div", "td", "section", "article")):
        children = list(element)
        if any(isinstance(c.tag, str) and c.tag in BLOCKS for c in children):
            continue
        doubles = [i for i in range(1, len(children))
                   if children[i - 1].tag == "br" and children[i].tag == "br"
                   and not (children[i - 1].tail or "").strip()]
        if not doubles:
            continue
        runs: list[list] = [[element.text or ""]]
        skip = {i for d in doubles for i in (d - 1, d)}
        for i, child in enumerate(children):
            element.remove(child)
            if i in skip:
                if i in doubles:
                    runs.append([""])
                runs[-1].append(child.tail or "")
                continue
            runs[-1].append(child)
        element.text = None
        paragraphs = []
        for run in runs:
            paragraph = element.makeelement("p", {})
            paragraph.text = run[0]
            for item in run[1:]:
                if isinstance(item, str):
                    if len(paragraph):
                        paragraph[-1].tail = (paragraph[-1].tail or "") + item
                    else:
                        paragraph.text = (paragraph.text or "") + item
                else:
                    paragraph.append(item)
            paragraphs.append(paragraph)
        if element.tag == "p":
            parent = element.getparent()
            at = parent.index(element)
            paragraphs[-1].tail = element.tail
            parent[at:at + 1] = paragraphs
        else:
            element.extend(paragraphs)


# --- the article's blocks as paragraphs ------------------------------------------------------

# Elements that stand as blocks of their own, in trafilatura's output (p, head, list, item,
# quote, code) and in the HTML its fallbacks return.
BLOCKS = {
    "p", "head", "list", "item", "quote", "code", "table", "row", "cell",
    "div", "section", "article", "main", "aside", "header", "footer", "body", "figure",
    "figcaption", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "tr", "td", "th",
    "tbody", "thead", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "nav", "form", "center",
}
BREAKS = {"lb", "br"}
HEADINGS = {"head", "h1", "h2", "h3", "h4", "h5", "h6"}
COLLAPSE = re.compile(r"[ \t\n\r\f]+")


def _inline(element) -> str:
    """An element's text as a browser shows it: white space collapsed, ``<br>`` a newline."""
    parts = [COLLAPSE.sub(" ", element.text or "")]
    for child in element:
        if child.tag in BREAKS:
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_inline(child))
        parts.append(COLLAPSE.sub(" ", child.tail or ""))
    return "".join(parts)


def _blocks(element) -> Iterator[str]:
    """The text of each block under ``element``, in order; the text between the blocks of a
    container is a block of its own."""
    if not any(isinstance(c.tag, str) and c.tag in BLOCKS for c in element):
        yield _inline(element)
        return
    run = [COLLAPSE.sub(" ", element.text or "")]
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            run.append(COLLAPSE.sub(" ", child.tail or ""))
        elif child.tag in BLOCKS:
            yield "".join(run)
            yield from _blocks(child)
            run = [COLLAPSE.sub(" ", child.tail or "")]
        elif child.tag in BREAKS:
            run.append("\n" + COLLAPSE.sub(" ", child.tail or ""))
        else:
            run.append(_inline(child) + COLLAPSE.sub(" ", child.tail or ""))
    yield "".join(run)


def _paragraphs(body, titles: list[str]) -> list[str]:
    headlines = {_key(title) for title in titles}
    paragraphs: list[str] = []
    for text in _blocks(body):
        lines = "\n".join(line.strip() for line in text.split("\n"))
        for paragraph in split_paragraphs(lines):
            if _key(paragraph) in headlines:
                continue  # the headline again (a heading inside the article, or its echo)
            paragraphs.append(paragraph)
    return paragraphs


# A standfirst: a class name (or its last part) that names one.
STANDFIRST = re.compile(
    r"(?:^|[_-])(?:standfirst|summary|dek|subtitle|subheadline|lede|lead|intro)$", re.I)


def _standfirst(tree, title: str, first: str | None) -> str | None:
    """The text under the headline that the page marks as its standfirst, between the
    headline (the first ``<h1>``, else the title) and the article's first paragraph."""
    elements = list(tree.iter("*"))
    start = next((i for i, e in enumerate(elements) if e.tag == "h1"), None)
    if start is None:
        start = next((i for i, e in enumerate(elements)
                      if e.tag in HEADINGS and _same(_text(e), title)), None)
    if start is None:
        return None
    for element in elements[start + 1:]:
        text = _text(element)
        if first is not None and element.tag == "p" and _same(text, first):
            return None  # the body began
        if (any(STANDFIRST.search(name) for name in _classes(element))
                and 20 <= len(text) <= 1000 and not element.xpath(".//img|.//figure")):
            links = "".join("".join(a.itertext()) for a in element.iter("a"))
            if len(" ".join(links.split())) < len(text) / 2:
                return text
    return None


def _teaser_texts(tree) -> set[str]:
    """The texts of paragraphs that are teasers: each in a small card (its parent or
    grandparent) that holds a headline linking to another page and at most two paragraphs."""
    cards: dict[Any, bool] = {}  # each element judged once: pages may hold 100,000 <p>

    def is_card(element) -> bool:
        if element not in cards:
            cards[element] = (
                sum(1 for _ in zip(range(3), element.iter("p"), strict=False)) <= 2
                and bool(element.xpath(
                    ".//a[@href and not(starts-with(@href, '#'))][.//h1|.//h2|.//h3|.//h4]"
                    " | .//*[self::h1 or self::h2 or self::h3 or self::h4]"
                    "//a[@href and not(starts-with(@href, '#'))]")))
        return cards[element]

    teasers: set[str] = set()
    for paragraph in tree.iter("p"):
        if any(is_card(card) for card in islice(paragraph.iterancestors(), 2)):
            teasers.add(_key(_text(paragraph)))
    return teasers


# --- the whole page --------------------------------------------------------------------------

def _clip(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def _address(value: Any, base: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    return url if keys.web_address(url) and len(url) <= MAX_URL else None


def _canonical(tree, base: str | None) -> str | None:
    """The page's canonical link, read against the page's address when relative."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return _address(link.get("href"), base)
    return None


def parse_html(data: bytes, name: str, origin: PageOrigin | None = None) -> ParsedDocument:
    """The article of a web page: title, outlet (``source``), canonical ``url``,
    ``published``, its paragraphs, and in ``meta`` the author, language and where the page
    came from (``origin`` for a fetched page). Refused, naming the page, when there is no
    article text in it."""
    import trafilatura

    if len(data) > MAX_PAGE_BYTES:
        raise ImportFailed(f"{name}: the page is larger than {MAX_PAGE_BYTES // 1_000_000} MB; "
                           f"no news article is that large.")
    text = decode_html(data, origin.charset if origin else None)
    origin = origin or saved_origin(text)
    base = (origin.final_url or origin.url) if origin else None
    tree = _tree(text, name)

    try:  # a heuristic library on any page: whatever it trips on refuses the page
        found = trafilatura.extract_metadata(
            copy.deepcopy(tree), default_url=base,
            date_config={"original_date": True, "extensive_search": False,
                         "max_date": dt.date.today().isoformat()})
        title = _clip(found.title, MAX_TITLE) or _clip(Path(name).stem, MAX_TITLE) or name
        headlines = [title, *(_text(h) for h in tree.iter("h1"))][:2]
        _prune_furniture(tree)
        _split_at_blank_lines(tree)
        _one_frame(tree)
        extracted = trafilatura.bare_extraction(
            tree, url=base, include_comments=False, include_tables=False,
            include_images=False, include_links=False)
    except Exception as exc:
        log.warning("Extracting the article of %s failed", name, exc_info=True)
        raise ImportFailed(f"{name}: the article cannot be taken out of this page (the "
                           f"extractor failed: {type(exc).__name__}).") from None
    paragraphs = _paragraphs(extracted.body, headlines) if extracted is not None else []
    if not paragraphs:
        raise ImportFailed(
            f"{name}: no article text was found in the page (it may be a list of articles, a "
            f"page that loads its text with JavaScript, or a paywall or cookie wall).")
    teasers = _teaser_texts(tree)
    teaser_chars = sum(len(p) for p in paragraphs if _key(p) in teasers)
    if teaser_chars >= TEASER_SHARE * sum(len(p) for p in paragraphs):
        raise ImportFailed(
            f"{name}: the page is a list of articles (teasers that link to other pages), not "
            f"an article; import the articles' own pages.")
    standfirst = _standfirst(tree, title, paragraphs[0])
    if standfirst and _key(standfirst) not in {_key(p) for p in paragraphs}:
        paragraphs.insert(0, standfirst)

    meta: dict[str, Any] = {}
    if author := _clip(found.author, MAX_AUTHOR):
        meta[keys.AUTHOR] = author
    if language := _clip(tree.get("lang"), 35):
        meta[keys.LANGUAGE] = language
    if origin is not None:
        meta[keys.FETCHED_URL] = origin.url
        if origin.final_url and origin.final_url != origin.url:
            meta[keys.FINAL_URL] = origin.final_url
        if origin.fetched_at is not None:
            meta[keys.FETCHED_AT] = keys.format_time(origin.fetched_at)
    meta[keys.EXTRACTED_WITH] = f"trafilatura {trafilatura.__version__}"
    return ParsedDocument(
        title=title,
        paragraphs=paragraphs,
        origin=name,
        source=_clip(found.sitename, MAX_SOURCE),
        url=_canonical(tree, base) or _address(found.url, base) or _address(base, None),
        published=_published(found.date, name),
        meta=meta,
    )


def _published(value: Any, name: str) -> dt.date | None:
    try:
        return parse_date(value, name)
    except ImportFailed:
        return None  # a date the page gets wrong is no reason to refuse its article
